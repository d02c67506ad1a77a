import type pg from 'pg';
import { createCoalescer, type Coalesced } from './createCoalescer.js';
import { prepared } from './PostgresDb.js';

type Json = Record<string, unknown>;

/**
 * A point read by key (`SELECT <key> AS key, data … WHERE <key> = ANY($1)`) whose concurrent
 * callers share one statement. Each caller gets its own record: a key asked twice in one batch
 * is opened from a copy, so no two callers hold the same object, unless `shared` (immutable
 * records, such as published flow versions, which the engine shares anyway).
 * @example const getContact = batchedRead(pool, 'SELECT id AS key, data FROM contacts WHERE id = ANY($1::text[])', open);
 */
export function batchedRead<R>(
  pool: Pick<pg.Pool, 'query'>,
  sql: string,
  open: (data: Json) => R,
  options: { shared?: boolean } = {},
): Coalesced<string, R | null> {
  return createCoalescer<string, R | null>(async (keys) => {
    const { rows } = await pool.query<{ key: string; data: Json }>(prepared(sql, [[...new Set(keys)]]));
    const found = new Map<string, Json>();
    for (const row of rows) if (!found.has(row.key)) found.set(row.key, row.data);
    return handOut(keys, found, open, options.shared);
  });
}

/**
 * Each ask's record, opened from the rows found by id (null when none): a record asked twice in
 * one batch goes to the later callers as copies, so no two callers hold the same object, unless
 * `shared`.
 */
function handOut<R>(
  ids: readonly string[],
  found: ReadonlyMap<string, Json>,
  open: (data: Json, index: number) => R,
  shared = false,
): Array<R | null> {
  const handedOut = new Set<string>();
  return ids.map((id, index) => {
    const data = found.get(id);
    if (!data) return null;
    const own = handedOut.has(id) && !shared ? structuredClone(data) : data;
    handedOut.add(id);
    return open(own, index);
  });
}

/** One table of `batchedReadsAcross`: its SELECT (given the array parameter's placeholder) and how a row is opened. */
export interface ReadSource<R> {
  select: (keys: string) => string;
  open: (data: Json) => R;
}

/**
 * Point reads of several tables, each like `batchedRead`, whose concurrent callers share ONE
 * statement: a `UNION ALL` of one SELECT per table (a conversation and its contact are read
 * together for every event: one round trip instead of two).
 * @example const reads = batchedReadsAcross(pool, { contact: { select: (keys) => `SELECT id AS key, data FROM contacts WHERE id = ANY(${keys}::text[])`, open } }); await reads.contact('c1');
 */
export function batchedReadsAcross<T extends Record<string, unknown>>(
  pool: Pick<pg.Pool, 'query'>,
  sources: { [K in keyof T]: ReadSource<T[K]> },
): { [K in keyof T]: (key: string) => Promise<T[K] | null> } {
  const kinds = Object.keys(sources) as (keyof T & string)[];
  const sql = kinds
    .map((kind, i) => `SELECT '${kind}' AS kind, k.key, k.data FROM (${sources[kind].select(`$${i + 1}`)}) k`)
    .join(' UNION ALL ');
  const read = createCoalescer<{ kind: keyof T & string; key: string }, unknown>(async (asks) => {
    const keysOf = (kind: string) => [
      ...new Set(asks.filter((ask) => ask.kind === kind).map((ask) => ask.key)),
    ];
    const { rows } = await pool.query<{ kind: string; key: string; data: Json }>(
      prepared(sql, kinds.map(keysOf)),
    );
    const idOf = (kind: string, key: string) => `${kind}\u0000${key}`;
    const found = new Map<string, Json>();
    for (const row of rows) {
      const id = idOf(row.kind, row.key);
      if (!found.has(id)) found.set(id, row.data);
    }
    return handOut(
      asks.map(({ kind, key }) => idOf(kind, key)),
      found,
      (data, index) => sources[asks[index]!.kind].open(data),
    );
  });
  return Object.fromEntries(kinds.map((kind) => [kind, (key: string) => read({ kind, key })])) as {
    [K in keyof T]: (key: string) => Promise<T[K] | null>;
  };
}
