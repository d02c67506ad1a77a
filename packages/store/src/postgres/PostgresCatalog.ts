import type { FlowVersionRecord } from '@parley/flow';
import type { ApiTokenRecord, AuditEntry, BotRecord, SessionRecord, UserRecord } from '../records.js';
import type { PostgresDb } from './PostgresDb.js';

/**
 * The PostgreSQL store's catalogue records: flow versions, bots, users, sessions, API tokens
 * and the audit log, one JSONB row each with the columns its lookups need.
 */
export class PostgresCatalog {
  protected readonly db: PostgresDb;

  constructor(db: PostgresDb) {
    this.db = db;
  }

  // ── flows ────────────────────────────────────────────────────────────────────
  async publishFlowVersion(record: Omit<FlowVersionRecord, 'version'>): Promise<FlowVersionRecord> {
    return this.db.tx(async (client) => {
      // One publisher per flow at a time, across instances.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`parley_flow:${record.flowId}`]);
      const { rows } = await client.query<{ data: FlowVersionRecord }>(
        'SELECT data FROM flow_versions WHERE flow_id = $1 ORDER BY version DESC LIMIT 1',
        [record.flowId],
      );
      const latest = rows[0]?.data;
      if (latest && latest.hash === record.hash) return latest;
      const next: FlowVersionRecord = { ...record, version: (latest?.version ?? 0) + 1 };
      await client.query('INSERT INTO flow_versions (flow_id, version, hash, data) VALUES ($1, $2, $3, $4)', [
        next.flowId,
        next.version,
        next.hash,
        next,
      ]);
      return next;
    });
  }

  async getFlowVersion(flowId: string, version: number): Promise<FlowVersionRecord | null> {
    const { rows } = await this.db.pool.query<{ data: FlowVersionRecord }>(
      'SELECT data FROM flow_versions WHERE flow_id = $1 AND version = $2',
      [flowId, version],
    );
    return rows[0]?.data ?? null;
  }

  async getLatestFlowVersion(flowId: string): Promise<FlowVersionRecord | null> {
    const { rows } = await this.db.pool.query<{ data: FlowVersionRecord }>(
      'SELECT data FROM flow_versions WHERE flow_id = $1 ORDER BY version DESC LIMIT 1',
      [flowId],
    );
    return rows[0]?.data ?? null;
  }

  async listFlowVersions(flowId: string): Promise<FlowVersionRecord[]> {
    const { rows } = await this.db.pool.query<{ data: FlowVersionRecord }>(
      'SELECT data FROM flow_versions WHERE flow_id = $1 ORDER BY version',
      [flowId],
    );
    return rows.map((row) => row.data);
  }

  // ── bots, users, sessions, tokens, audit ─────────────────────────────────────
  protected async list<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.pool.query<{ data: T }>(sql, params)).rows.map((row) => row.data);
  }
  protected async one<T>(sql: string, params: unknown[]): Promise<T | null> {
    return (await this.list<T>(sql, params))[0] ?? null;
  }

  listBots(): Promise<BotRecord[]> {
    return this.list('SELECT data FROM bots ORDER BY id');
  }
  getBot(id: string): Promise<BotRecord | null> {
    return this.one('SELECT data FROM bots WHERE id = $1', [id]);
  }
  getBotByPhoneNumberId(phoneNumberId: string): Promise<BotRecord | null> {
    return this.one('SELECT data FROM bots WHERE phone_number_id = $1 ORDER BY id LIMIT 1', [phoneNumberId]);
  }
  async saveBot(bot: BotRecord): Promise<void> {
    await this.db.pool.query(
      'INSERT INTO bots (id, phone_number_id, data) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET phone_number_id = EXCLUDED.phone_number_id, data = EXCLUDED.data',
      [bot.id, bot.phoneNumberId, bot],
    );
  }
  async deleteBot(id: string): Promise<void> {
    await this.db.pool.query('DELETE FROM bots WHERE id = $1', [id]);
  }
  listUsers(): Promise<UserRecord[]> {
    return this.list('SELECT data FROM users ORDER BY id');
  }
  getUserByEmail(email: string): Promise<UserRecord | null> {
    return this.one('SELECT data FROM users WHERE email_lower = $1', [email.trim().toLowerCase()]);
  }
  getUser(id: string): Promise<UserRecord | null> {
    return this.one('SELECT data FROM users WHERE id = $1', [id]);
  }
  async saveUser(user: UserRecord): Promise<void> {
    await this.db.pool.query(
      'INSERT INTO users (id, email_lower, data) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET email_lower = EXCLUDED.email_lower, data = EXCLUDED.data',
      [user.id, user.email.trim().toLowerCase(), user],
    );
  }
  async saveSession(session: SessionRecord): Promise<void> {
    await this.db.pool.query(
      'INSERT INTO sessions (id_hash, user_id, expires_at, data) VALUES ($1, $2, $3, $4) ON CONFLICT (id_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at, data = EXCLUDED.data',
      [session.idHash, session.userId, session.expiresAt, session],
    );
  }
  getSession(idHash: string): Promise<SessionRecord | null> {
    return this.one('SELECT data FROM sessions WHERE id_hash = $1', [idHash]);
  }
  async deleteSession(idHash: string): Promise<void> {
    await this.db.pool.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }
  async saveApiToken(token: ApiTokenRecord): Promise<void> {
    await this.db.pool.query(
      'INSERT INTO api_tokens (id, hash, data) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET hash = EXCLUDED.hash, data = EXCLUDED.data',
      [token.id, token.hash, token],
    );
  }
  getApiTokenByHash(hash: string): Promise<ApiTokenRecord | null> {
    return this.one('SELECT data FROM api_tokens WHERE hash = $1', [hash]);
  }
  listApiTokens(): Promise<ApiTokenRecord[]> {
    return this.list('SELECT data FROM api_tokens ORDER BY id');
  }
  async deleteApiToken(id: string): Promise<void> {
    await this.db.pool.query('DELETE FROM api_tokens WHERE id = $1', [id]);
  }
  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.db.pool.query('INSERT INTO audit (id, at, data) VALUES ($1, $2, $3)', [
      entry.id,
      entry.at,
      entry,
    ]);
  }
  /** Newest first. */
  listAudit(options: { limit?: number } = {}): Promise<AuditEntry[]> {
    return this.list('SELECT data FROM audit ORDER BY position DESC LIMIT $1', [options.limit ?? 100]);
  }
}
