import type { OutboxRecord, TranscriptEntry } from '@parley/flow';
import { applyOutboxPatch } from '../applyOutboxPatch.js';
import type { OutboxPatch } from '../Store.js';
import type { StoreClock } from '../types.js';
import { batchedRead } from './batchedReads.js';
import { createCoalescer } from './createCoalescer.js';
import { outboxPatchesStatement, outboxPatchStatement, type OutboxUpdate } from './outboxPatchStatement.js';
import { plannedEachTime, prepared, type PostgresDb, type SealedTranscriptEntry } from './PostgresDb.js';

type Data = { data: Record<string, unknown> };

/** One write of the shared statement: an outbox update, or transcript entries on their own. */
type OutboxWrite = OutboxUpdate | { entries: SealedTranscriptEntry[] };
const isUpdate = (write: OutboxWrite): write is OutboxUpdate => !('entries' in write);

/**
 * The PostgreSQL store's outbox: claims for the sender, outcome and status updates (grouped into
 * shared statements under load), lookups.
 */
export class PostgresOutbox {
  readonly #db: PostgresDb;
  readonly #clock: StoreClock;
  readonly #get: (id: string) => Promise<OutboxRecord | null>;
  readonly #findByWamid: (wamid: string) => Promise<OutboxRecord | null>;
  /** True when the write was an update that found its row (entries written alone: false). */
  readonly #writeShared: (write: OutboxWrite) => Promise<boolean>;

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
    // Concurrent outcome and status writes (different rows) share one prepared UPDATE, and the
    // transcript entries written meanwhile (with an update, or alone: a status the row already
    // shows) ride in it; a row twice waits for the next batch (a statement updates a row once).
    // Rows are locked in id order, so two instances' batches do not deadlock on each other.
    this.#writeShared = createCoalescer<OutboxWrite, boolean>(
      async (writes) => {
        const updates = writes.filter(isUpdate);
        const loose = writes.flatMap((write) => (isUpdate(write) ? [] : write.entries));
        if (updates.length === 0) {
          await db.insertSealedTranscript(db.pool, loose);
          return writes.map(() => false);
        }
        if (updates.length === 1 && loose.length === 0) return [await this.#updateOne(updates[0]!)];
        const { rows } = await db.run<{ k: string }>(outboxPatchesStatement(updates, loose));
        const written = new Set(rows.map((row) => Number(row.k) - 1));
        let index = 0;
        return writes.map((write) => isUpdate(write) && written.has(index++));
      },
      {
        maxBatch: 200,
        canJoin: (batch, write) =>
          !isUpdate(write) || !batch.some((other) => isUpdate(other) && other.id === write.id),
        runOne: async (write) => {
          if (isUpdate(write)) return this.#updateOne(write);
          await db.insertSealedTranscript(db.pool, write.entries);
          return false;
        },
      },
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

  /** Applies the patch; `transcript` (entries describing it) is written only if the row was. */
  async update(id: string, patch: OutboxPatch, transcript?: TranscriptEntry[]): Promise<boolean> {
    const now = this.#clock.now();
    // A sealed lastError needs the record decrypted and sealed again: read, patch, write.
    if (patch.lastError !== undefined && this.#db.codec.contentEncryption) {
      return this.#updateSealed(id, patch, now, transcript);
    }
    // Otherwise one UPDATE (shared with concurrent ones), which also inserts the entries: the
    // plain fields merge into the JSON, the status is computed in SQL.
    const sealed = transcript?.map((entry) => this.#db.sealedTranscriptEntry(entry));
    return this.#writeShared({
      id,
      patch,
      now,
      ...(sealed && sealed.length > 0 && { transcript: sealed }),
    });
  }

  /** The read-patch-write of a sealed `lastError`, with its transcript entries, in one transaction. */
  async #updateSealed(
    id: string,
    patch: OutboxPatch,
    now: number,
    transcript: TranscriptEntry[] | undefined,
  ): Promise<boolean> {
    return this.#db.tx(async (client) => {
      const { rows } = await client.query<Data & { status: string; lease_owner: string | null }>(
        'SELECT data, status, lease_owner FROM outbox WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (!rows[0]) return false;
      const claim = rows[0];
      if (
        patch.claimedBy !== undefined &&
        (claim.status !== 'sending' || claim.lease_owner !== patch.claimedBy)
      )
        return false;
      const row = applyOutboxPatch(this.#db.openOutbox(rows[0].data), patch, now);
      await client.query(
        `UPDATE outbox SET status = $2, next_attempt_at = $3, wamid = $4, updated_at = $5, data = $6, lease_owner = NULL, lease_until = NULL
         WHERE id = $1`,
        [id, row.status, row.nextAttemptAt, row.wamid ?? null, row.updatedAt, this.#db.sealOutbox(row)],
      );
      if (transcript && transcript.length > 0) await this.#db.insertTranscript(client, transcript);
      return true;
    });
  }

  async #updateOne(update: OutboxUpdate): Promise<boolean> {
    // With transcript entries, the grouped statement (it inserts them in the same round trip).
    if (update.transcript) {
      const { rows } = await this.#db.run(outboxPatchesStatement([update]));
      return rows.length > 0;
    }
    const { text, values } = outboxPatchStatement(update.id, update.patch, update.now);
    // Prepared: the text depends only on which fields the patch has (a few dozen shapes).
    const { rows } = await this.#db.run(prepared(text, values));
    return rows.length > 0;
  }

  /** Writes transcript entries, sharing a statement with concurrent outbox updates. */
  async appendTranscript(entries: TranscriptEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#writeShared({ entries: entries.map((entry) => this.#db.sealedTranscriptEntry(entry)) });
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
