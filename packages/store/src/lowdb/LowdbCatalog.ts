import type { FlowVersionRecord } from '@parley/flow';
import type { ApiTokenRecord, AuditEntry, BotRecord, SessionRecord, UserRecord } from '../records.js';
import type { Store } from '../Store.js';
import type { LowdbCollections } from './LowdbCollections.js';
import { deepFreeze } from '../deepFreeze.js';

type CatalogMethods =
  | 'publishFlowVersion'
  | 'getFlowVersion'
  | 'getLatestFlowVersion'
  | 'listFlowVersions'
  | 'listBots'
  | 'getBot'
  | 'getBotByPhoneNumberId'
  | 'saveBot'
  | 'deleteBot'
  | 'listUsers'
  | 'getUserByEmail'
  | 'getUser'
  | 'saveUser'
  | 'saveSession'
  | 'getSession'
  | 'deleteSession'
  | 'saveApiToken'
  | 'getApiTokenByHash'
  | 'listApiTokens'
  | 'deleteApiToken'
  | 'appendAudit'
  | 'listAudit';

/**
 * The lowdb store's small, whole-file records: flow versions, bots, users, sessions, API tokens
 * and the audit log. Every returned record is a copy.
 */
export class LowdbCatalog implements Pick<Store, CatalogMethods> {
  protected readonly collections: LowdbCollections;

  constructor(collections: LowdbCollections) {
    this.collections = collections;
  }

  // ── flows ────────────────────────────────────────────────────────────────────
  async publishFlowVersion(record: Omit<FlowVersionRecord, 'version'>): Promise<FlowVersionRecord> {
    const low = await this.collections.flow(record.flowId);
    let result: FlowVersionRecord | undefined;
    await this.collections.update(`flow:${record.flowId}`, low, (data) => {
      const latest = data.versions.at(-1);
      if (latest && latest.hash === record.hash) {
        result = latest;
        return;
      }
      result = { ...structuredClone(record), version: (latest?.version ?? 0) + 1 };
      data.versions.push(result);
    });
    return structuredClone(result!);
  }

  async getFlowVersion(flowId: string, version: number): Promise<FlowVersionRecord | null> {
    const found = (await this.collections.flow(flowId)).data.versions.find(
      (item) => item.version === version,
    );
    return found ? deepFreeze(found) : null;
  }

  async getLatestFlowVersion(flowId: string): Promise<FlowVersionRecord | null> {
    const latest = (await this.collections.flow(flowId)).data.versions.at(-1);
    // Read per inbound message, and a published version never changes: every reader shares it,
    // frozen (copying the whole flow each time was ~1 % of the server's main thread).
    return latest ? deepFreeze(latest) : null;
  }

  async listFlowVersions(flowId: string): Promise<FlowVersionRecord[]> {
    return structuredClone((await this.collections.flow(flowId)).data.versions);
  }

  // ── bots, users, sessions, tokens, audit ─────────────────────────────────────
  async listBots(): Promise<BotRecord[]> {
    return structuredClone(this.collections.db.bots.data.bots);
  }
  async getBot(id: string): Promise<BotRecord | null> {
    return structuredClone(this.collections.db.bots.data.bots.find((bot) => bot.id === id) ?? null);
  }
  async getBotByPhoneNumberId(phoneNumberId: string): Promise<BotRecord | null> {
    // Read per inbound message; saveBot replaces a bot rather than changing it, so readers share it, frozen.
    return deepFreeze(
      this.collections.db.bots.data.bots.find((bot) => bot.phoneNumberId === phoneNumberId) ?? null,
    );
  }
  async saveBot(bot: BotRecord): Promise<void> {
    await this.collections.update('bots', this.collections.db.bots, (data) => {
      data.bots = [...data.bots.filter((item) => item.id !== bot.id), structuredClone(bot)];
    });
  }
  async deleteBot(id: string): Promise<void> {
    await this.collections.update('bots', this.collections.db.bots, (data) => {
      data.bots = data.bots.filter((item) => item.id !== id);
    });
  }
  async listUsers(): Promise<UserRecord[]> {
    return structuredClone(this.collections.db.users.data.users);
  }
  async getUserByEmail(email: string): Promise<UserRecord | null> {
    const wanted = email.trim().toLowerCase();
    return structuredClone(
      this.collections.db.users.data.users.find((user) => user.email.toLowerCase() === wanted) ?? null,
    );
  }
  async getUser(id: string): Promise<UserRecord | null> {
    return structuredClone(this.collections.db.users.data.users.find((user) => user.id === id) ?? null);
  }
  async saveUser(user: UserRecord): Promise<void> {
    await this.collections.update('users', this.collections.db.users, (data) => {
      data.users = [...data.users.filter((item) => item.id !== user.id), structuredClone(user)];
    });
  }
  async saveSession(session: SessionRecord): Promise<void> {
    await this.collections.update('sessions', this.collections.db.sessions, (data) => {
      data.sessions = [
        ...data.sessions.filter((item) => item.idHash !== session.idHash),
        structuredClone(session),
      ];
    });
  }
  async getSession(idHash: string): Promise<SessionRecord | null> {
    return structuredClone(
      this.collections.db.sessions.data.sessions.find((item) => item.idHash === idHash) ?? null,
    );
  }
  async deleteSession(idHash: string): Promise<void> {
    await this.collections.update('sessions', this.collections.db.sessions, (data) => {
      data.sessions = data.sessions.filter((item) => item.idHash !== idHash);
    });
  }
  async saveApiToken(token: ApiTokenRecord): Promise<void> {
    await this.collections.update('tokens', this.collections.db.tokens, (data) => {
      data.tokens = [...data.tokens.filter((item) => item.id !== token.id), structuredClone(token)];
    });
  }
  async getApiTokenByHash(hash: string): Promise<ApiTokenRecord | null> {
    return structuredClone(this.collections.db.tokens.data.tokens.find((item) => item.hash === hash) ?? null);
  }
  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return structuredClone(this.collections.db.tokens.data.tokens);
  }
  async deleteApiToken(id: string): Promise<void> {
    await this.collections.update('tokens', this.collections.db.tokens, (data) => {
      data.tokens = data.tokens.filter((item) => item.id !== id);
    });
  }
  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.collections.appendAudit(structuredClone(entry));
  }
  /** Newest first. */
  async listAudit(options: { limit?: number } = {}): Promise<AuditEntry[]> {
    return structuredClone([...this.collections.audit].reverse().slice(0, options.limit ?? 100));
  }
}
