import type {
  CommitUnit,
  ContactRecord,
  ConversationRecord,
  InboxRecord,
  OutboxRecord,
  TimerRecord,
  TranscriptEntry,
} from '@parley/flow';
import { applyOutboxPatch } from '../applyOutboxPatch.js';
import type { Cipher } from '../crypto/createCipher.js';
import { createFieldCodec } from '../crypto/FieldCodec.js';
import type { ContactExport, ConversationFilter, OutboxPatch, PurgeReport, Store } from '../Store.js';
import { silentLogger, systemClock, type StoreClock, type StoreLogger } from '../types.js';
import { commitUnitStatement } from './commitUnitStatement.js';
import { outboxPatchStatement } from './outboxPatchStatement.js';
import { migrate, quoteSchema } from './migrate.js';
import { migrations } from './migrations.js';
import { PostgresCatalog } from './PostgresCatalog.js';
import { Pool, PostgresDb, type InboxRow } from './PostgresDb.js';
import { eraseContactRows, exportContactRows, purgeRows } from './postgresPrivacy.js';

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  connectionString: string;
  /** Tables live in this schema (created if missing). @default 'public' */
  schema?: string;
  cipher?: Cipher;
  contentEncryption: boolean;
  clock?: StoreClock;
  log?: StoreLogger;
  /** @default 10 */
  poolSize?: number;
}

/**
 * The store for several server instances on one database: migrations on start, a transaction per
 * commit unit with a revision check, `FOR UPDATE SKIP LOCKED` claims, one owner per conversation.
 * @example const store = createPostgresStore({ connectionString: process.env.DATABASE_URL!, contentEncryption: false });
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  return new PostgresStore(options);
}

type Data = { data: Record<string, unknown> };

class PostgresStore extends PostgresCatalog implements Store {
  readonly #schema: string;
  readonly #clock: StoreClock;
  readonly #log: StoreLogger;
  #open = false;

  constructor(options: PostgresStoreOptions) {
    const schema = options.schema ?? 'public';
    quoteSchema(schema);
    const pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      options: `-c search_path=${schema}`,
    });
    super(
      new PostgresDb(
        pool,
        createFieldCodec({ cipher: options.cipher, contentEncryption: options.contentEncryption }),
      ),
    );
    this.#schema = schema;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? silentLogger;
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', (error) =>
      this.#log.warn({ err: error.message }, 'store: idle PostgreSQL connection failed'),
    );
  }

  get #pool() {
    return this.db.pool;
  }

  async init(): Promise<void> {
    await migrate(this.#pool, this.#schema, migrations, this.#log);
    this.#open = true;
  }

  async close(): Promise<void> {
    if (this.#pool.ended) return;
    this.#open = false;
    await this.#pool.end();
  }

  async ping(): Promise<boolean> {
    if (!this.#open) return false;
    try {
      await this.#pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  // ── inbox ────────────────────────────────────────────────────────────────────
  async appendInbox(records: InboxRecord[]): Promise<string[]> {
    const unique = [...new Map(records.map((record) => [record.id, record])).values()];
    if (unique.length === 0) return [];
    const result = await this.#pool.query<{ id: string }>(
      `INSERT INTO inbox (id, conversation_id, received_at, status, attempts, event)
       SELECT id, conversation_id, received_at, 'pending', attempts, event
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::jsonb[]) WITH ORDINALITY
         AS t(id, conversation_id, received_at, attempts, event, n)
       ORDER BY n
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [
        unique.map((r) => r.id),
        unique.map((r) => r.conversationId),
        unique.map((r) => r.receivedAt),
        unique.map((r) => r.attempts ?? 0),
        unique.map((r) => JSON.stringify(this.db.sealInboxEvent(r))),
      ],
    );
    const inserted = new Set(result.rows.map((row) => row.id));
    return unique.filter((record) => inserted.has(record.id)).map((record) => record.id);
  }

  async claimInbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<InboxRecord[]> {
    // One statement (one round trip, one implicit transaction): pick the oldest conversations
    // with due rows, lease them (in id order, so two instances never wait on each other in a
    // cycle; a live lease of another owner is kept), then lease their pending rows.
    const { rows } = await this.db.run<InboxRow & { first: string }>(
      `WITH candidates AS (
         SELECT i.conversation_id, min(i.arrival) AS first
         FROM inbox i LEFT JOIN conversation_leases l ON l.conversation_id = i.conversation_id
         WHERE i.status = 'pending' AND (i.lease_until IS NULL OR i.lease_until <= $2)
           AND (l.conversation_id IS NULL OR l.owner = $1 OR l.lease_until <= $2)
         GROUP BY i.conversation_id ORDER BY first LIMIT $4),
       acquired AS (
         INSERT INTO conversation_leases (conversation_id, owner, lease_until)
         SELECT conversation_id, $1, $3 FROM candidates ORDER BY conversation_id
         ON CONFLICT (conversation_id) DO UPDATE SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until
         WHERE conversation_leases.owner = EXCLUDED.owner OR conversation_leases.lease_until <= $2
         RETURNING conversation_id),
       claimed AS (
         UPDATE inbox SET lease_owner = $1, lease_until = $3, attempts = attempts + 1
         WHERE id IN (
           SELECT id FROM inbox
           WHERE conversation_id IN (SELECT conversation_id FROM acquired) AND status = 'pending'
             AND (lease_until IS NULL OR lease_until <= $2)
           ORDER BY arrival LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING id, conversation_id, received_at, status, attempts, event, arrival)
       SELECT claimed.*, candidates.first FROM claimed JOIN candidates USING (conversation_id)`,
      [owner, now, leaseUntil, limit],
    );
    return rows
      .sort((a, b) => Number(a.first) - Number(b.first) || Number(a.arrival) - Number(b.arrival))
      .map((row) => this.db.openInbox(row));
  }

  async releaseInboxClaims(owner: string): Promise<void> {
    await this.db.tx(async (client) => {
      await client.query('DELETE FROM conversation_leases WHERE owner = $1', [owner]);
      await client.query(
        `UPDATE inbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1 AND status = 'pending'`,
        [owner],
      );
    });
  }

  async markInboxDone(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#pool.query(
      `UPDATE inbox SET status = 'done', lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::text[])`,
      [ids],
    );
  }

  // ── commit unit ──────────────────────────────────────────────────────────────
  async commit(unit: CommitUnit): Promise<{ ok: true } | { ok: false; reason: 'conflict' }> {
    const { text, values } = commitUnitStatement(this.db, unit, this.#clock.now());
    const { rows } = await this.db.run<{ changed: number }>(text, values);
    return rows[0]?.changed ? { ok: true } : { ok: false, reason: 'conflict' };
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    const { rows } = await this.#pool.query<Data>('SELECT data FROM conversations WHERE id = $1', [id]);
    return rows[0] ? this.db.openConversation(rows[0].data) : null;
  }

  async listConversations(
    filter: ConversationFilter,
  ): Promise<{ items: ConversationRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.botId !== undefined) where.push(`c.bot_id = $${params.push(filter.botId)}`);
    if (filter.status !== undefined) where.push(`c.status = $${params.push(filter.status)}`);
    if (filter.contact) {
      const like = `%${filter.contact.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      const n = params.push(like);
      where.push(`(c.user_id ILIKE $${n} OR ct.contact_name ILIKE $${n})`);
    }
    const limit = params.push(filter.limit ?? 50);
    const offset = params.push(filter.offset ?? 0);
    const { rows } = await this.#pool.query<Data & { total: string }>(
      `SELECT c.data, count(*) OVER () AS total FROM conversations c LEFT JOIN contacts ct ON ct.id = c.id
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY c.updated_at DESC, c.id LIMIT $${limit} OFFSET $${offset}`,
      params,
    );
    const total = rows[0]
      ? Number(rows[0].total)
      : Number(
          (
            await this.#pool.query<{ n: string }>(
              `SELECT count(*) AS n FROM conversations c LEFT JOIN contacts ct ON ct.id = c.id ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
              params.slice(0, limit - 1),
            )
          ).rows[0]?.n ?? 0,
        );
    return { items: rows.map((row) => this.db.openConversation(row.data)), total };
  }

  async countConversations(): Promise<number> {
    return Number(
      (await this.#pool.query<{ n: string }>('SELECT count(*) AS n FROM conversations')).rows[0]?.n ?? 0,
    );
  }

  // ── contacts, transcript ─────────────────────────────────────────────────────
  async getContact(id: string): Promise<ContactRecord | null> {
    const { rows } = await this.#pool.query<Data>('SELECT data FROM contacts WHERE id = $1', [id]);
    return rows[0] ? this.db.openContact(rows[0].data) : null;
  }

  async upsertContact(contact: ContactRecord): Promise<void> {
    await this.db.upsertContact(this.#pool, contact);
  }

  async listTranscript(
    conversationId: string,
    options: { afterAt?: number; limit?: number } = {},
  ): Promise<TranscriptEntry[]> {
    const { rows } = await this.#pool.query<Data>(
      `SELECT data FROM transcript WHERE conversation_id = $1 AND at > $2 ORDER BY at, position LIMIT $3`,
      [conversationId, options.afterAt ?? -1, options.limit ?? null],
    );
    return rows.map((row) => this.db.openTranscript(row.data));
  }

  async appendTranscript(entries: TranscriptEntry[]): Promise<void> {
    await this.db.insertTranscript(this.#pool, entries);
  }

  // ── outbox ───────────────────────────────────────────────────────────────────
  async claimOutbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRecord[]> {
    // Only each conversation's lowest unsent row is a candidate; `o.status = 'pending'` is
    // re-checked on the locked row, so a row another instance just took is skipped.
    const { rows } = await this.#pool.query<Data>(
      `UPDATE outbox o SET status = 'sending', lease_owner = $1, lease_until = $3, updated_at = $2,
         data = o.data || jsonb_build_object('status', 'sending', 'updatedAt', $2::bigint)
       WHERE o.id IN (
         SELECT c.id FROM outbox c
         JOIN (SELECT DISTINCT ON (conversation_id) id FROM outbox WHERE status IN ('pending', 'sending')
               ORDER BY conversation_id, seq) h ON h.id = c.id
         WHERE c.status = 'pending' AND c.next_attempt_at <= $2
         ORDER BY c.next_attempt_at LIMIT $4
         FOR UPDATE OF c SKIP LOCKED)
       AND o.status = 'pending'
       RETURNING o.data`,
      [owner, now, leaseUntil, limit],
    );
    return rows.map((row) => this.db.openOutbox(row.data)).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async updateOutbox(id: string, patch: OutboxPatch): Promise<OutboxRecord | null> {
    const now = this.#clock.now();
    // A sealed lastError needs the record decrypted and sealed again: read, patch, write.
    if (patch.lastError !== undefined && this.db.codec.contentEncryption) {
      return this.db.tx(async (client) => {
        const { rows } = await client.query<Data>('SELECT data FROM outbox WHERE id = $1 FOR UPDATE', [id]);
        if (!rows[0]) return null;
        const row = applyOutboxPatch(this.db.openOutbox(rows[0].data), patch, now);
        await client.query(
          `UPDATE outbox SET status = $2, next_attempt_at = $3, wamid = $4, updated_at = $5, data = $6, lease_owner = NULL, lease_until = NULL
           WHERE id = $1`,
          [id, row.status, row.nextAttemptAt, row.wamid ?? null, row.updatedAt, this.db.sealOutbox(row)],
        );
        return row;
      });
    }
    // Otherwise one UPDATE: the plain fields merge into the JSON, the status is computed in SQL.
    const { text, values } = outboxPatchStatement(id, patch, now);
    const { rows } = await this.db.run<Data>(text, values);
    return rows[0] ? this.db.openOutbox(rows[0].data) : null;
  }

  async getOutbox(id: string): Promise<OutboxRecord | null> {
    const { rows } = await this.#pool.query<Data>('SELECT data FROM outbox WHERE id = $1', [id]);
    return rows[0] ? this.db.openOutbox(rows[0].data) : null;
  }

  async findOutboxByWamid(wamid: string): Promise<OutboxRecord | null> {
    const { rows } = await this.#pool.query<Data>('SELECT data FROM outbox WHERE wamid = $1 LIMIT 1', [
      wamid,
    ]);
    return rows[0] ? this.db.openOutbox(rows[0].data) : null;
  }

  async listOutbox(conversationId: string): Promise<OutboxRecord[]> {
    const { rows } = await this.#pool.query<Data>(
      'SELECT data FROM outbox WHERE conversation_id = $1 ORDER BY seq',
      [conversationId],
    );
    return rows.map((row) => this.db.openOutbox(row.data));
  }

  async recoverExpiredOutbox(now: number): Promise<number> {
    const result = await this.#pool.query(
      `UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL, updated_at = $1,
         data = data || jsonb_build_object('status', 'pending', 'updatedAt', $1::bigint)
       WHERE status = 'sending' AND lease_until <= $1`,
      [now],
    );
    return result.rowCount ?? 0;
  }

  /** Rows not yet sent: `pending`, or `sending` with an unknown outcome. */
  async countPendingOutbox(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  // ── timers ───────────────────────────────────────────────────────────────────
  async claimDueTimers(
    owner: string,
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<TimerRecord[]> {
    const { rows } = await this.#pool.query<{ data: TimerRecord }>(
      `UPDATE timers SET lease_owner = $1, lease_until = $3
       WHERE id IN (
         SELECT id FROM timers WHERE GREATEST(due_at, COALESCE(lease_until, 0)) <= $2
         ORDER BY GREATEST(due_at, COALESCE(lease_until, 0)), id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING data`,
      [owner, now, leaseUntil, limit],
    );
    return rows.map((row) => row.data).sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : 1));
  }

  async deleteTimer(id: string): Promise<void> {
    await this.#pool.query('DELETE FROM timers WHERE id = $1', [id]);
  }

  async nextTimerDueAt(): Promise<number | null> {
    const { rows } = await this.#pool.query<{ at: string }>(
      'SELECT GREATEST(due_at, COALESCE(lease_until, 0)) AS at FROM timers ORDER BY GREATEST(due_at, COALESCE(lease_until, 0)), id LIMIT 1',
    );
    return rows[0] ? Number(rows[0].at) : null;
  }

  // ── privacy ──────────────────────────────────────────────────────────────────
  exportContact(contactId: string): Promise<ContactExport | null> {
    return exportContactRows(this.db, contactId);
  }
  eraseContact(contactId: string): Promise<{ erased: boolean }> {
    return eraseContactRows(this.db, contactId);
  }
  purgeOlderThan(before: number): Promise<PurgeReport> {
    return purgeRows(this.db, before);
  }
}
