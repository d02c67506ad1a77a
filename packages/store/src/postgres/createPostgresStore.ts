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
import { applyOutboxPatch } from '../applyOutboxPatch.js';
import type { Cipher } from '../crypto/createCipher.js';
import { createFieldCodec } from '../crypto/FieldCodec.js';
import type { BotRecord } from '../records.js';
import type { ContactExport, ConversationFilter, OutboxPatch, PurgeReport, Store } from '../Store.js';
import { silentLogger, systemClock, type StoreClock, type StoreLogger } from '../types.js';
import { batchedRead } from './batchedReads.js';
import { commitUnitsStatement } from './commitUnitStatement.js';
import { createCoalescer } from './createCoalescer.js';
import {
  createInboxNotifications,
  INBOX_CHANNEL,
  type InboxNotifications,
} from './createInboxNotifications.js';
import { outboxPatchesStatement, outboxPatchStatement, type OutboxUpdate } from './outboxPatchStatement.js';
import { claimInboxRows, releaseInboxLeases, renewInboxLeases } from './inboxLeases.js';
import { migrate, quoteSchema } from './migrate.js';
import { migrations } from './migrations.js';
import { PostgresCatalog } from './PostgresCatalog.js';
import { Pool, PostgresDb, prepared } from './PostgresDb.js';
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
  readonly #notifications: InboxNotifications;
  #open = false;

  // The per-event statements, grouped: under load every event makes the same few point reads and
  // writes, and each round trip costs a socket write that wakes a backend, a context switch and a
  // WAL flush; concurrent callers share one statement instead (see createCoalescer).
  readonly #getConversation = batchedRead(
    this.db.pool,
    'SELECT id AS key, data FROM conversations WHERE id = ANY($1::text[])',
    (data) => this.db.openConversation(data),
  );
  readonly #getContact = batchedRead(
    this.db.pool,
    'SELECT id AS key, data FROM contacts WHERE id = ANY($1::text[])',
    (data) => this.db.openContact(data),
  );
  readonly #getOutbox = batchedRead(
    this.db.pool,
    'SELECT id AS key, data FROM outbox WHERE id = ANY($1::text[])',
    (data) => this.db.openOutbox(data),
  );
  readonly #findOutboxByWamid = batchedRead(
    this.db.pool,
    'SELECT wamid AS key, data FROM outbox WHERE wamid = ANY($1::text[])',
    (data) => this.db.openOutbox(data),
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
  readonly #nextTimerDueAt = createCoalescer<null, number | null>(async (callers) => {
    const { rows } = await this.#pool.query<{ at: string }>(
      prepared(
        'SELECT GREATEST(due_at, COALESCE(lease_until, 0)) AS at FROM timers ORDER BY GREATEST(due_at, COALESCE(lease_until, 0)), id LIMIT 1',
      ),
    );
    const at = rows[0] ? Number(rows[0].at) : null;
    return callers.map(() => at);
  });
  // Concurrent webhooks share one INSERT (and one commit): each still answers only after its
  // own rows are durable. A duplicate id in one batch is new only for its first caller.
  readonly #appendInbox = createCoalescer<InboxRecord[], string[]>(
    async (groups) => {
      const inserted = await this.#insertInbox(groups.flat());
      return groups.map((records) => records.filter((record) => inserted.delete(record.id)).map((r) => r.id));
    },
    {
      runOne: async (records) => {
        const inserted = await this.#insertInbox(records);
        return records.filter((record) => inserted.has(record.id)).map((record) => record.id);
      },
    },
  );
  // Commit units of different conversations finishing together share one prepared statement (each
  // with its own revision check: a conflict writes nothing of its unit only), so one WAL flush serves
  // many events. Conversations are locked in id order, so two instances' batches do not deadlock.
  readonly #commit = createCoalescer<CommitUnit, boolean>((units) => this.#commitUnits(units), {
    maxBatch: 64,
    canJoin: (batch, unit) => {
      const keys = unitKeys(unit);
      return !batch.some((other) => unitKeys(other).some((key) => keys.includes(key)));
    },
    runOne: async (unit) => (await this.#commitUnits([unit]))[0]!,
  });
  // Concurrent outcome and status writes (different rows) share one prepared UPDATE; a row twice
  // waits for the next batch (a statement updates a row once). Rows are locked in id order, so two
  // instances' batches do not deadlock on each other.
  readonly #updateOutbox = createCoalescer<OutboxUpdate, Record<string, unknown> | null>(
    async (updates) => {
      if (updates.length === 1) return [await this.#updateOutboxOne(updates[0]!)];
      const { rows } = await this.db.run<Data & { k: string }>(outboxPatchesStatement(updates));
      const byIndex = new Map(rows.map((row) => [Number(row.k) - 1, row.data]));
      return updates.map((_, i) => byIndex.get(i) ?? null);
    },
    {
      maxBatch: 200,
      canJoin: (batch, update) => !batch.some((other) => other.id === update.id),
      runOne: (update) => this.#updateOutboxOne(update),
    },
  );

  // Transcript entries written with concurrent status updates share one INSERT (as the
  // dispatcher's own batched writes do).
  readonly #insertTranscript = createCoalescer<TranscriptEntry[], void>(
    async (lists) => {
      await this.db.insertTranscript(this.#pool, lists.flat());
      return lists.map(() => undefined);
    },
    { maxBatch: 200 },
  );

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
    this.#notifications = createInboxNotifications({
      connectionString: options.connectionString,
      schema,
      log: this.#log,
    });
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
    return this.#appendInbox(unique);
  }

  /** Inserts rows (in order; an id already stored, or earlier in `records`, is skipped); the ids inserted. */
  async #insertInbox(records: InboxRecord[]): Promise<Set<string>> {
    const unique = [...new Map(records.map((record) => [record.id, record])).values()];
    // Other instances hear of new rows at this statement's commit (one notification however many
    // rows: PostgreSQL folds equal ones of a transaction); only when this process listens too.
    const notify = this.#notifications.active ? `, pg_notify('${INBOX_CHANNEL}', $6)` : '';
    const result = await this.#pool.query<{ id: string }>(
      prepared(
        `INSERT INTO inbox (id, conversation_id, received_at, status, attempts, event)
       SELECT id, conversation_id, received_at, 'pending', attempts, event
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::jsonb[]) WITH ORDINALITY
         AS t(id, conversation_id, received_at, attempts, event, n)
       ORDER BY n
       ON CONFLICT (id) DO NOTHING
       RETURNING id${notify}`,
        [
          unique.map((r) => r.id),
          unique.map((r) => r.conversationId),
          unique.map((r) => r.receivedAt),
          unique.map((r) => r.attempts ?? 0),
          unique.map((r) => JSON.stringify(this.db.sealInboxEvent(r))),
          ...(notify ? [this.#notifications.payload] : []),
        ],
      ),
    );
    return new Set(result.rows.map((row) => row.id));
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

  async markInboxDone(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#pool.query(
      prepared(
        `UPDATE inbox SET status = 'done', lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::text[])`,
        [ids],
      ),
    );
  }

  // ── commit unit ──────────────────────────────────────────────────────────────
  async commit(unit: CommitUnit): Promise<{ ok: true } | { ok: false; reason: 'conflict' }> {
    return (await this.#commit(unit)) ? { ok: true } : { ok: false, reason: 'conflict' };
  }

  /** Whether each unit committed (false: its revision check failed and it wrote nothing). */
  async #commitUnits(units: CommitUnit[]): Promise<boolean[]> {
    const { rows } = await this.db.run<{ k: number }>(
      commitUnitsStatement(this.db, units, this.#clock.now()),
    );
    const committed = new Set(rows.map((row) => row.k));
    return units.map((_, i) => committed.has(i + 1));
  }

  getConversation(id: string): Promise<ConversationRecord | null> {
    return this.#getConversation(id);
  }

  override getLatestFlowVersion(flowId: string): Promise<FlowVersionRecord | null> {
    return this.#getLatestFlowVersion(flowId);
  }

  override getBotByPhoneNumberId(phoneNumberId: string): Promise<BotRecord | null> {
    return this.#getBotByPhoneNumberId(phoneNumberId);
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
    return this.#getContact(id);
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
    // Only each conversation's lowest unsent row is a candidate: a due pending row with no
    // unsent row before it. Pending rows are walked in due order (an index scan that stops at the
    // limit and marks the dead entries it passes, so a busy queue stays cheap to claim from
    // between vacuums); `o.status = 'pending'` is re-checked on the locked row, so a row another
    // instance just took is skipped.
    const { rows } = await this.#pool.query<Data>(
      prepared(
        `UPDATE outbox o SET status = 'sending', lease_owner = $1, lease_until = $3, updated_at = $2,
         data = o.data || jsonb_build_object('status', 'sending', 'updatedAt', $2::bigint)
       WHERE o.id IN (
         SELECT c.id FROM outbox c
         WHERE c.status = 'pending' AND c.next_attempt_at <= $2
           AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.conversation_id = c.conversation_id
                           AND e.seq < c.seq AND e.status IN ('pending', 'sending'))
         ORDER BY c.next_attempt_at LIMIT $4
         FOR UPDATE OF c SKIP LOCKED)
       AND o.status = 'pending'
       RETURNING o.data`,
        [owner, now, leaseUntil, limit],
      ),
    );
    return rows.map((row) => this.db.openOutbox(row.data)).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async updateOutbox(
    id: string,
    patch: OutboxPatch,
    transcript?: TranscriptEntry[],
  ): Promise<OutboxRecord | null> {
    const row = await this.#updateOutboxRow(id, patch);
    // After the update, as a separate write: the entries only describe it (a status webhook),
    // and the insert is shared with other updates' entries.
    if (row && transcript && transcript.length > 0) await this.#insertTranscript(transcript);
    return row;
  }

  async #updateOutboxRow(id: string, patch: OutboxPatch): Promise<OutboxRecord | null> {
    const now = this.#clock.now();
    // A sealed lastError needs the record decrypted and sealed again: read, patch, write.
    if (patch.lastError !== undefined && this.db.codec.contentEncryption) {
      return this.db.tx(async (client) => {
        const { rows } = await client.query<Data & { status: string; lease_owner: string | null }>(
          'SELECT data, status, lease_owner FROM outbox WHERE id = $1 FOR UPDATE',
          [id],
        );
        if (!rows[0]) return null;
        const claim = rows[0];
        if (
          patch.claimedBy !== undefined &&
          (claim.status !== 'sending' || claim.lease_owner !== patch.claimedBy)
        )
          return null;
        const row = applyOutboxPatch(this.db.openOutbox(rows[0].data), patch, now);
        await client.query(
          `UPDATE outbox SET status = $2, next_attempt_at = $3, wamid = $4, updated_at = $5, data = $6, lease_owner = NULL, lease_until = NULL
           WHERE id = $1`,
          [id, row.status, row.nextAttemptAt, row.wamid ?? null, row.updatedAt, this.db.sealOutbox(row)],
        );
        return row;
      });
    }
    // Otherwise one UPDATE (shared with concurrent ones): the plain fields merge into the JSON,
    // the status is computed in SQL.
    const data = await this.#updateOutbox({ id, patch, now });
    return data ? this.db.openOutbox(data) : null;
  }

  async #updateOutboxOne({ id, patch, now }: OutboxUpdate): Promise<Record<string, unknown> | null> {
    const { text, values } = outboxPatchStatement(id, patch, now);
    // Prepared: the text depends only on which fields the patch has (a few dozen shapes).
    const { rows } = await this.db.run<Data>(prepared(text, values));
    return rows[0]?.data ?? null;
  }

  getOutbox(id: string): Promise<OutboxRecord | null> {
    return this.#getOutbox(id);
  }

  findOutboxByWamid(wamid: string): Promise<OutboxRecord | null> {
    return this.#findOutboxByWamid(wamid);
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
      prepared(
        `UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL, updated_at = $1,
         data = data || jsonb_build_object('status', 'pending', 'updatedAt', $1::bigint)
       WHERE status = 'sending' AND lease_until <= $1`,
        [now],
      ),
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

/** The rows a commit unit changes in place (one statement may change each only once). */
function unitKeys(unit: CommitUnit): string[] {
  return [
    `c:${unit.conversationId}`,
    ...(unit.contact ? [`p:${unit.contact.id}`] : []),
    ...unit.timersSet.map((timer) => `t:${timer.id}`),
    ...unit.timersCancelled.map((id) => `t:${id}`),
    ...unit.inboxDone.map((id) => `i:${id}`),
  ];
}
