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
    const byKey = new Map<string, Json>();
    for (const row of rows) if (!byKey.has(row.key)) byKey.set(row.key, row.data);
    const handedOut = new Set<string>();
    return keys.map((key) => {
      const data = byKey.get(key);
      if (!data) return null;
      if (handedOut.has(key) && !options.shared) return open(structuredClone(data));
      handedOut.add(key);
      return open(data);
    });
  });
}
