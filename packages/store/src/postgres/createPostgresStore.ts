import type {
  CommitUnit,
  ContactRecord,
  ConversationRecord,
  FlowVersionRecord,
  InboxRecord,
  OutboxRecord,
  TimerRecord,
  TranscriptEntry,
} from '@parley/flow';
import type { Cipher } from '../crypto/createCipher.js';
import { createFieldCodec } from '../crypto/FieldCodec.js';
import type { BotRecord } from '../records.js';
import type {
  CommitOptions,
  CommitResult,
  ContactExport,
  ConversationFilter,
  OutboxPatch,
  PurgeReport,
  Store,
} from '../Store.js';
import { silentLogger, systemClock, type StoreClock, type StoreLogger } from '../types.js';
import { deepFreeze } from '../deepFreeze.js';
import { batchedRead, batchedReadsAcross } from './batchedReads.js';
import { canJoinGroup, commitUnitsStatement, type UnitToCommit } from './commitUnitStatement.js';
import { createCoalescer } from './createCoalescer.js';
import { createInboxNotifications, type InboxNotifications } from './createInboxNotifications.js';
import { claimInboxRows, releaseInboxLeases, renewInboxLeases } from './inboxLeases.js';
import { countInstances, instanceApplicationName } from './instanceCount.js';
import { migrate, quoteSchema } from './migrate.js';
import { migrations } from './migrations.js';
import { PostgresCatalog } from './PostgresCatalog.js';
import { Pool, PostgresDb, prepared } from './PostgresDb.js';
import { PostgresInbox } from './PostgresInbox.js';
import { PostgresOutbox } from './PostgresOutbox.js';
import { RecentReads } from './RecentReads.js';
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

/** How long a number's bot and a flow's latest version are remembered (see RecentReads). */
const CATALOG_READ_TTL_MS = 1_000;

class PostgresStore extends PostgresCatalog implements Store {
  readonly #schema: string;
  readonly #clock: StoreClock;
  readonly #log: StoreLogger;
  readonly #notifications: InboxNotifications;
  readonly #outbox: PostgresOutbox;
  readonly #inbox: PostgresInbox;
  #open = false;

  // The per-event statements, grouped: under load every event makes the same few point reads and
  // writes, and each round trip costs a socket write that wakes a backend, a context switch and a
  // WAL flush; concurrent callers share one statement instead (see createCoalescer).
  // A conversation and its contact are read together for every event: one statement.
  readonly #records = batchedReadsAcross<{ conversation: ConversationRecord; contact: ContactRecord }>(
    this.db.pool,
    {
      conversation: {
        select: (keys) => `SELECT id AS key, data FROM conversations WHERE id = ANY(${keys}::text[])`,
        open: (data) => this.db.openConversation(data),
      },
      contact: {
        select: (keys) => `SELECT id AS key, data FROM contacts WHERE id = ANY(${keys}::text[])`,
        open: (data) => this.db.openContact(data),
      },
    },
  );
  readonly #getBotByPhoneNumberId = batchedRead(
    this.db.pool,
    `SELECT DISTINCT ON (phone_number_id) phone_number_id AS key, data FROM bots
     WHERE phone_number_id = ANY($1::text[]) ORDER BY phone_number_id, id`,
    (data) => data as unknown as BotRecord,
  );
  readonly #getLatestFlowVersion = batchedRead(
    this.db.pool,
    `SELECT DISTINCT ON (flow_id) flow_id AS key, data FROM flow_versions
     WHERE flow_id = ANY($1::text[]) ORDER BY flow_id, version DESC`,
    (data) => data as unknown as FlowVersionRecord,
    { shared: true },
  );
  // Read on every inbound event, changed rarely: remembered briefly (a change made by another
  // instance is seen within CATALOG_READ_TTL_MS, one made here at once), and handed to every
  // reader frozen, as the embedded store does.
  readonly #botsByNumber = new RecentReads<BotRecord | null>({ ttlMs: CATALOG_READ_TTL_MS });
  readonly #latestVersions = new RecentReads<FlowVersionRecord | null>({ ttlMs: CATALOG_READ_TTL_MS });
  readonly #nextTimerDueAt = createCoalescer<null, number | null>(async (callers) => {
    const { rows } = await this.#pool.query<{ at: string }>(
      prepared(
        'SELECT GREATEST(due_at, COALESCE(lease_until, 0)) AS at FROM timers ORDER BY GREATEST(due_at, COALESCE(lease_until, 0)), id LIMIT 1',
      ),
    );
    const at = rows[0] ? Number(rows[0].at) : null;
    return callers.map(() => at);
  });
  // Commit units of different conversations finishing together share one prepared statement (each
  // with its own revision check: a conflict writes nothing of its unit only), so one WAL flush serves
  // many events. Conversations are locked in id order, so two instances' batches do not deadlock.
  readonly #commit = createCoalescer<UnitToCommit, CommitResult>((units) => this.#commitUnits(units), {
    maxBatch: 64,
    canJoin: canJoinGroup,
    runOne: async (unit) => (await this.#commitUnits([unit]))[0]!,
  });

  constructor(options: PostgresStoreOptions) {
    const schema = options.schema ?? 'public';
    quoteSchema(schema);
    const applicationName = instanceApplicationName(schema);
    const pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      options: `-c search_path=${schema}`,
      application_name: applicationName,
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
    this.#outbox = new PostgresOutbox(this.db, this.#clock);
    this.#notifications = createInboxNotifications({
      connectionString: options.connectionString,
      applicationName,
      schema,
      log: this.#log,
    });
    this.#inbox = new PostgresInbox(this.db, this.#notifications);
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
    await this.#notifications.close();
    await this.#pool.end();
  }

  countInstances(): Promise<number> {
    return countInstances(this.#pool, this.#schema);
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
  appendInbox(records: InboxRecord[]): Promise<string[]> {
    return this.#inbox.append(records);
  }

  claimInbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<InboxRecord[]> {
    return claimInboxRows(this.db, owner, now, leaseUntil, limit);
  }

  renewInboxClaims(owner: string, conversationIds: string[], leaseUntil: number): Promise<string[]> {
    return renewInboxLeases(this.db, owner, conversationIds, leaseUntil);
  }

  releaseInboxClaims(owner: string, conversationIds?: string[]): Promise<void> {
    return releaseInboxLeases(this.db, owner, conversationIds);
  }

  onInboxAppended(listener: () => void): () => void {
    return this.#notifications.subscribe(listener);
  }

  markInboxDone(ids: string[]): Promise<void> {
    return this.#inbox.markDone(ids);
  }

  // ── commit unit ──────────────────────────────────────────────────────────────
  commit(unit: CommitUnit, options: CommitOptions = {}): Promise<CommitResult> {
    return this.#commit({ unit, claimFor: options.claimFor });
  }

  /** Each unit's outcome (a conflict: its revision check failed and it wrote nothing). */
  async #commitUnits(units: UnitToCommit[]): Promise<CommitResult[]> {
    const { rows } = await this.db.run<{ k: number | null; claimed: string | null }>(
      commitUnitsStatement(this.db, units, this.#clock.now()),
    );
    const committed = new Set(rows.map((row) => row.k));
    const claimedIds = new Set(rows.map((row) => row.claimed));
    return units.map(({ unit }, i): CommitResult => {
      if (!committed.has(i + 1)) return { ok: false, reason: 'conflict' };
      const claimed = unit.outbox.filter((row) => claimedIds.has(row.id));
      return claimed.length > 0
        ? { ok: true, claimed: claimed.map((row) => ({ ...row, status: 'sending' as const })) }
        : { ok: true };
    });
  }

  getConversation(id: string): Promise<ConversationRecord | null> {
    return this.#records.conversation(id);
  }

  override getLatestFlowVersion(flowId: string): Promise<FlowVersionRecord | null> {
    return this.#latestVersions.get(flowId, (key) => this.#getLatestFlowVersion(key).then(deepFreeze));
  }

  override getBotByPhoneNumberId(phoneNumberId: string): Promise<BotRecord | null> {
    return this.#botsByNumber.get(phoneNumberId, (key) => this.#getBotByPhoneNumberId(key).then(deepFreeze));
  }

  override async publishFlowVersion(record: Omit<FlowVersionRecord, 'version'>): Promise<FlowVersionRecord> {
    try {
      return await super.publishFlowVersion(record);
    } finally {
      this.#latestVersions.forget();
    }
  }

  override async saveBot(bot: BotRecord): Promise<void> {
    try {
      await super.saveBot(bot);
    } finally {
      this.#botsByNumber.forget();
    }
  }

  override async deleteBot(id: string): Promise<void> {
    try {
      await super.deleteBot(id);
    } finally {
      this.#botsByNumber.forget();
    }
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
  getContact(id: string): Promise<ContactRecord | null> {
    return this.#records.contact(id);
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

  appendTranscript(entries: TranscriptEntry[]): Promise<void> {
    // Shares a statement with concurrent outbox updates (the dispatcher's entries describe them).
    return this.#outbox.appendTranscript(entries);
  }

  // ── outbox ───────────────────────────────────────────────────────────────────
  claimOutbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRecord[]> {
    return this.#outbox.claim(owner, now, leaseUntil, limit);
  }
  updateOutbox(id: string, patch: OutboxPatch, transcript?: TranscriptEntry[]): Promise<boolean> {
    return this.#outbox.update(id, patch, transcript);
  }
  getOutbox(id: string): Promise<OutboxRecord | null> {
    return this.#outbox.get(id);
  }
  findOutboxByWamid(wamid: string): Promise<OutboxRecord | null> {
    return this.#outbox.findByWamid(wamid);
  }
  listOutbox(conversationId: string): Promise<OutboxRecord[]> {
    return this.#outbox.list(conversationId);
  }
  recoverExpiredOutbox(now: number): Promise<number> {
    return this.#outbox.recoverExpired(now);
  }
  countPendingOutbox(): Promise<number> {
    return this.#outbox.countPending();
  }

  // ── timers ───────────────────────────────────────────────────────────────────
  async claimDueTimers(
    owner: string,
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<TimerRecord[]> {
    const { rows } = await this.#pool.query<{ data: TimerRecord }>(
      prepared(
        `UPDATE timers SET lease_owner = $1, lease_until = $3
       WHERE id IN (
         SELECT id FROM timers WHERE GREATEST(due_at, COALESCE(lease_until, 0)) <= $2
         ORDER BY GREATEST(due_at, COALESCE(lease_until, 0)), id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING data`,
        [owner, now, leaseUntil, limit],
      ),
    );
    return rows.map((row) => row.data).sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : 1));
  }

  async deleteTimer(id: string): Promise<void> {
    await this.#pool.query(prepared('DELETE FROM timers WHERE id = $1', [id]));
  }

  nextTimerDueAt(): Promise<number | null> {
    return this.#nextTimerDueAt(null);
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
