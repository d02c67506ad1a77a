import { createHash } from 'node:crypto';
import pg from 'pg';
import type {
  ContactRecord,
  ConversationRecord,
  InboxRecord,
  OutboxRecord,
  TranscriptEntry,
} from '@parley/flow';
import type { FieldCodec } from '../crypto/FieldCodec.js';
import { aadFor, openFields, sealFields, sealedFieldsOf } from '../crypto/sealFields.js';
import { jsonbArray, jsonList } from './jsonArrays.js';

/** A query runner: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** Retryable serialization failures: deadlock detected, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * The pool plus the record sealing both halves of the PostgreSQL store share.
 * Every row's JSON goes through `seal*` / `open*`, the one place that knows the sensitive fields.
 */
export class PostgresDb {
  readonly pool: pg.Pool;
  readonly codec: FieldCodec;

  constructor(pool: pg.Pool, codec: FieldCodec) {
    this.pool = pool;
    this.codec = codec;
  }

  /** Runs `fn` in a transaction; retried a few times on deadlock or serialization failure. */
  async tx<R>(fn: (client: pg.PoolClient) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (attempt < 4 && RETRYABLE.has((error as { code?: string }).code ?? '')) continue;
        throw error;
      } finally {
        client.release();
      }
    }
  }

  /** Runs one statement on the pool (its own implicit transaction); retried on deadlock or serialization failure. */
  async run<R extends pg.QueryResultRow>(
    statement: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const config = typeof statement === 'string' ? { text: statement, values } : statement;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.pool.query<R>(config);
      } catch (error) {
        if (attempt < 4 && RETRYABLE.has((error as { code?: string }).code ?? '')) continue;
        throw error;
      }
    }
  }

  sealConversation(record: ConversationRecord): Record<string, unknown> {
    return sealFields(this.codec, record, sealedFieldsOf.conversation, aadFor.conversation(record.id));
  }
  openConversation(data: Record<string, unknown>): ConversationRecord {
    return openFields(this.codec, data, aadFor.conversation(String(data.id)));
  }
  sealContact(record: ContactRecord): Record<string, unknown> {
    return sealFields(this.codec, record, sealedFieldsOf.contact, aadFor.contact(record.id));
  }
  openContact(data: Record<string, unknown>): ContactRecord {
    return openFields(this.codec, data, aadFor.contact(String(data.id)));
  }
  sealTranscript(entry: TranscriptEntry): Record<string, unknown> {
    return sealFields(this.codec, entry, sealedFieldsOf.transcript, aadFor.transcript(entry.id));
  }
  openTranscript(data: Record<string, unknown>): TranscriptEntry {
    return openFields(this.codec, data, aadFor.transcript(String(data.id)));
  }
  sealOutbox(row: OutboxRecord): Record<string, unknown> {
    return sealFields(this.codec, row, sealedFieldsOf.outbox, aadFor.outbox(row.id));
  }
  openOutbox(data: Record<string, unknown>): OutboxRecord {
    return openFields(this.codec, data, aadFor.outbox(String(data.id)));
  }
  /** The event column holds `{ event }` sealed as one value. */
  sealInboxEvent(row: InboxRecord): unknown {
    return sealFields(this.codec, { event: row.event }, ['event'], aadFor.inbox(row.id));
  }
  openInbox(row: InboxRow): InboxRecord {
    const { event } = openFields<{ event: InboxRecord['event'] }>(
      this.codec,
      row.event ?? {},
      aadFor.inbox(row.id),
    );
    return {
      id: row.id,
      conversationId: row.conversation_id,
      event,
      receivedAt: Number(row.received_at),
      status: row.status as InboxRecord['status'],
      attempts: row.attempts,
    };
  }

  /** Inserts or replaces a contact. */
  async upsertContact(db: Queryable, contact: ContactRecord): Promise<void> {
    await db.query(
      `INSERT INTO contacts (id, contact_name, last_seen_at, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET contact_name = EXCLUDED.contact_name, last_seen_at = EXCLUDED.last_seen_at, data = EXCLUDED.data`,
      [
        contact.id,
        this.codec.contentEncryption ? null : (contact.name ?? null),
        contact.lastUserMessageAt ?? contact.firstSeenAt,
        this.sealContact(contact),
      ],
    );
  }

  /** A transcript entry as its row stores it. */
  sealedTranscriptEntry(entry: TranscriptEntry): SealedTranscriptEntry {
    return {
      id: entry.id,
      conversationId: entry.conversationId,
      at: entry.at,
      data: this.sealTranscript(entry),
    };
  }

  /** Inserts transcript entries (an id already stored is skipped). */
  insertTranscript(db: Queryable, entries: TranscriptEntry[]): Promise<void> {
    return this.insertSealedTranscript(
      db,
      entries.map((entry) => this.sealedTranscriptEntry(entry)),
    );
  }

  /** Inserts transcript entries already in their stored form (an id already stored is skipped). */
  async insertSealedTranscript(db: Queryable, entries: readonly SealedTranscriptEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await db.query(
      prepared(
        `INSERT INTO transcript (id, conversation_id, at, data)
       SELECT id, conversation_id, at, data
       FROM unnest($1::text[], $2::text[], $3::bigint[], ${jsonbArray(4)}) WITH ORDINALITY AS t(id, conversation_id, at, data, n)
       ORDER BY n
       ON CONFLICT (id) DO NOTHING`,
        [
          entries.map((e) => e.id),
          entries.map((e) => e.conversationId),
          entries.map((e) => e.at),
          jsonList(entries.map((e) => e.data)),
        ],
      ),
    );
  }
}

/** A transcript entry as the `transcript` table stores it (`data` sealed by the codec). */
export interface SealedTranscriptEntry {
  id: string;
  conversationId: string;
  at: number;
  data: Record<string, unknown>;
}

/** An inbox row as selected. */
export interface InboxRow {
  id: string;
  conversation_id: string;
  received_at: string;
  status: string;
  attempts: number;
  event: Record<string, unknown> | null;
  arrival: string;
}

const names = new Map<string, string>();

/**
 * A statement of constant text as a named (prepared) one: each connection parses and plans it
 * once, then only binds the values. Only for texts built from constants: every distinct text stays
 * prepared on every connection that ran it.
 * @example await pool.query(prepared('SELECT data FROM outbox WHERE id = $1', [id]));
 */
export function prepared(text: string, values: unknown[] = []): pg.QueryConfig {
  let name = names.get(text);
  if (!name) {
    name = `parley_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text, values };
}

/**
 * A statement planned anew at each execution (an unnamed one: PostgreSQL keeps no plan of it), so
 * the plan fits its tables as they are now. For the claims: their cost depends on how many rows
 * the queues hold, and a prepared statement's generic plan, made once per connection, is kept
 * until the table is next analyzed. Made while the outbox was empty and analyzed as such, the
 * outbox claim's was a nested loop of sequential scans: 400 ms per claim at 8,600 rows, and
 * PostgreSQL at 3.5–4.3 ms of CPU per reply (the benchmark, tenth session). A never-analyzed table
 * is planned as of a default size and held up (`postgresNew`, eleventh session). Planning costs
 * ~0.3 ms per claim.
 * @example await pool.query(plannedEachTime('UPDATE outbox … LIMIT $4', [owner, now, until, limit]));
 */
export function plannedEachTime(text: string, values: unknown[] = []): pg.QueryConfig {
  return { text, values };
}

/** The pg Pool constructor (pg is CommonJS: a default import). */
export const { Pool } = pg;
