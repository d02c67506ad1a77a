import type { OutboxRecord, TranscriptEntry } from '@parley/flow';
import { applyOutboxPatch } from '../applyOutboxPatch.js';
import type { OutboxPatch } from '../Store.js';
import type { StoreClock } from '../types.js';
import { batchedRead } from './batchedReads.js';
import { createCoalescer } from './createCoalescer.js';
import { outboxPatchesStatement, outboxPatchStatement, type OutboxUpdate } from './outboxPatchStatement.js';
import { plannedEachTime, prepared, type PostgresDb } from './PostgresDb.js';

type Data = { data: Record<string, unknown> };

/**
 * The PostgreSQL store's outbox: claims for the sender, outcome and status updates (grouped into
 * shared statements under load), lookups.
 */
export class PostgresOutbox {
  readonly #db: PostgresDb;
  readonly #clock: StoreClock;
  readonly #get: (id: string) => Promise<OutboxRecord | null>;
  readonly #findByWamid: (wamid: string) => Promise<OutboxRecord | null>;
  readonly #updateShared: (update: OutboxUpdate) => Promise<Record<string, unknown> | null>;
  readonly #insertTranscript: (entries: TranscriptEntry[]) => Promise<void>;

  constructor(db: PostgresDb, clock: StoreClock) {
    this.#db = db;
    this.#clock = clock;
    this.#get = batchedRead(
      db.pool,
      'SELECT id AS key, data FROM outbox WHERE id = ANY($1::text[])',
      (data) => db.openOutbox(data),
    );
    this.#findByWamid = batchedRead(
      db.pool,
      'SELECT wamid AS key, data FROM outbox WHERE wamid = ANY($1::text[])',
      (data) => db.openOutbox(data),
    );
    // Concurrent outcome and status writes (different rows) share one prepared UPDATE; a row
    // twice waits for the next batch (a statement updates a row once). Rows are locked in id
    // order, so two instances' batches do not deadlock on each other.
    this.#updateShared = createCoalescer<OutboxUpdate, Record<string, unknown> | null>(
      async (updates) => {
        if (updates.length === 1) return [await this.#updateOne(updates[0]!)];
        const { rows } = await db.run<Data & { k: string }>(outboxPatchesStatement(updates));
        const byIndex = new Map(rows.map((row) => [Number(row.k) - 1, row.data]));
        return updates.map((_, i) => byIndex.get(i) ?? null);
      },
      {
        maxBatch: 200,
        canJoin: (batch, update) => !batch.some((other) => other.id === update.id),
        runOne: (update) => this.#updateOne(update),
      },
    );
    // Transcript entries written with concurrent status updates share one INSERT (as the
    // dispatcher's own batched writes do).
    this.#insertTranscript = createCoalescer<TranscriptEntry[], void>(
      async (lists) => {
        await db.insertTranscript(db.pool, lists.flat());
        return lists.map(() => undefined);
      },
      { maxBatch: 200 },
    );
  }

  async claim(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRecord[]> {
    // Only each conversation's lowest unsent row is a candidate: a due pending row with no
    // unsent row before it. Pending rows are walked in due order (an index scan that stops at the
    // limit and marks the dead entries it passes, so a busy queue stays cheap to claim from
    // between vacuums); `o.status = 'pending'` is re-checked on the locked row, so a row another
    // instance just took is skipped.
    const { rows } = await this.#db.pool.query<Data>(
      plannedEachTime(
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
    return rows.map((row) => this.#db.openOutbox(row.data)).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async update(id: string, patch: OutboxPatch, transcript?: TranscriptEntry[]): Promise<OutboxRecord | null> {
    const row = await this.#updateRow(id, patch);
    // After the update, as a separate write: the entries only describe it (a status webhook),
    // and the insert is shared with other updates' entries.
    if (row && transcript && transcript.length > 0) await this.#insertTranscript(transcript);
    return row;
  }

  async #updateRow(id: string, patch: OutboxPatch): Promise<OutboxRecord | null> {
    const now = this.#clock.now();
    // A sealed lastError needs the record decrypted and sealed again: read, patch, write.
    if (patch.lastError !== undefined && this.#db.codec.contentEncryption) {
      return this.#db.tx(async (client) => {
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
        const row = applyOutboxPatch(this.#db.openOutbox(rows[0].data), patch, now);
        await client.query(
          `UPDATE outbox SET status = $2, next_attempt_at = $3, wamid = $4, updated_at = $5, data = $6, lease_owner = NULL, lease_until = NULL
           WHERE id = $1`,
          [id, row.status, row.nextAttemptAt, row.wamid ?? null, row.updatedAt, this.#db.sealOutbox(row)],
        );
        return row;
      });
    }
    // Otherwise one UPDATE (shared with concurrent ones): the plain fields merge into the JSON,
    // the status is computed in SQL.
    const data = await this.#updateShared({ id, patch, now });
    return data ? this.#db.openOutbox(data) : null;
  }

  async #updateOne({ id, patch, now }: OutboxUpdate): Promise<Record<string, unknown> | null> {
    const { text, values } = outboxPatchStatement(id, patch, now);
    // Prepared: the text depends only on which fields the patch has (a few dozen shapes).
    const { rows } = await this.#db.run<Data>(prepared(text, values));
    return rows[0]?.data ?? null;
  }

  get(id: string): Promise<OutboxRecord | null> {
    return this.#get(id);
  }

  findByWamid(wamid: string): Promise<OutboxRecord | null> {
    return this.#findByWamid(wamid);
  }

  async list(conversationId: string): Promise<OutboxRecord[]> {
    const { rows } = await this.#db.pool.query<Data>(
      'SELECT data FROM outbox WHERE conversation_id = $1 ORDER BY seq',
      [conversationId],
    );
    return rows.map((row) => this.#db.openOutbox(row.data));
  }

  async recoverExpired(now: number): Promise<number> {
    const result = await this.#db.pool.query(
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
  async countPending(): Promise<number> {
    const { rows } = await this.#db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}
