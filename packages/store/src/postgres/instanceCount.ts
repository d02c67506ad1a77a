import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';

/**
 * How the instances sharing one Parley database schema find each other, to share what Meta
 * limits per phone number (see `Store.countInstances`): every connection of an instance carries
 * `application_name` = `parley <schema tag> <instance tag>`, and the instances are the distinct
 * names in `pg_stat_activity`. No table and no heartbeat: a stopped or killed instance's
 * connections close, and it no longer counts (a host that vanishes counts until PostgreSQL finds
 * its connections dead, by TCP keepalive: the others pace a smaller share meanwhile, never more).
 * PostgreSQL shows an ordinary role the application names of its own role's sessions only:
 * instances that connect as different roles do not see each other.
 */
export function instanceApplicationName(schema: string): string {
  return `${schemaPrefix(schema)}${randomUUID().slice(0, 8)}`;
}

/** Parley instances connected to `schema`, this one included (at least 1). */
export async function countInstances(pool: pg.Pool, schema: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(DISTINCT application_name)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE $1`,
    [`${schemaPrefix(schema)}%`],
  );
  return Math.max(1, rows[0]?.n ?? 1);
}

/** Hex tags only: no LIKE wildcard, and well within PostgreSQL's 63 characters. */
function schemaPrefix(schema: string): string {
  return `parley ${createHash('sha256').update(schema).digest('hex').slice(0, 8)} `;
}
