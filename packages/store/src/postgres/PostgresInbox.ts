import type { InboxRecord } from '@parley/flow';
import { createCoalescer } from './createCoalescer.js';
import { INBOX_CHANNEL, type InboxNotifications } from './createInboxNotifications.js';
import { jsonbArray, jsonList } from './jsonArrays.js';
import { prepared, type PostgresDb } from './PostgresDb.js';

/**
 * The PostgreSQL store's inbox writes: appends (grouped into shared INSERTs under load, announced
 * to the other instances) and rows marked done. Claims and leases are in inboxLeases.ts.
 */
export class PostgresInbox {
  readonly #db: PostgresDb;
  readonly #notifications: InboxNotifications;
  // Concurrent webhooks share one INSERT (and one commit): each still answers only after its
  // own rows are durable. A duplicate id in one batch is new only for its first caller.
  readonly #append = createCoalescer<InboxRecord[], string[]>(
    async (groups) => {
      const inserted = await this.#insert(groups.flat());
      return groups.map((records) => records.filter((record) => inserted.delete(record.id)).map((r) => r.id));
    },
    {
      runOne: async (records) => {
        const inserted = await this.#insert(records);
        return records.filter((record) => inserted.has(record.id)).map((record) => record.id);
      },
    },
  );

  constructor(db: PostgresDb, notifications: InboxNotifications) {
    this.#db = db;
    this.#notifications = notifications;
  }

  async append(records: InboxRecord[]): Promise<string[]> {
    const unique = [...new Map(records.map((record) => [record.id, record])).values()];
    if (unique.length === 0) return [];
    return this.#append(unique);
  }

  /** Inserts rows (in order; an id already stored, or earlier in `records`, is skipped); the ids inserted. */
  async #insert(records: InboxRecord[]): Promise<Set<string>> {
    const unique = [...new Map(records.map((record) => [record.id, record])).values()];
    // Other instances hear of new rows at this statement's commit (one notification however many
    // rows: PostgreSQL folds equal ones of a transaction); only when this process listens too.
    const notify = this.#notifications.active ? `, pg_notify('${INBOX_CHANNEL}', $6)` : '';
    const result = await this.#db.pool.query<{ id: string }>(
      prepared(
        `INSERT INTO inbox (id, conversation_id, received_at, status, attempts, event)
       SELECT id, conversation_id, received_at, 'pending', attempts, event
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], ${jsonbArray(5)}) WITH ORDINALITY
         AS t(id, conversation_id, received_at, attempts, event, n)
       ORDER BY n
       ON CONFLICT (id) DO NOTHING
       RETURNING id${notify}`,
        [
          unique.map((r) => r.id),
          unique.map((r) => r.conversationId),
          unique.map((r) => r.receivedAt),
          unique.map((r) => r.attempts ?? 0),
          jsonList(unique.map((r) => this.#db.sealInboxEvent(r))),
          ...(notify ? [this.#notifications.payload] : []),
        ],
      ),
    );
    return new Set(result.rows.map((row) => row.id));
  }

  async markDone(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#db.pool.query(
      prepared(
        `UPDATE inbox SET status = 'done', lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::text[])`,
        [ids],
      ),
    );
  }
}
