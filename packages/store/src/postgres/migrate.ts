import type { Pool } from 'pg';
import { StoreError } from '../errors.js';
import type { StoreLogger } from '../types.js';
import type { Migration } from './migrations.js';

/** Quotes a schema name we validated; identifiers cannot be query parameters. */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new StoreError(
      'store.migration_failed',
      `The schema name "${schema}" may use only lowercase letters, digits and _.`,
    );
  }
  return `"${schema}"`;
}

/**
 * Applies missing migrations under an advisory lock, so several instances starting at once
 * apply each migration exactly once; each migration runs in its own transaction.
 * @example await migrate(pool, 'public', migrations, log);
 */
export async function migrate(
  pool: Pool,
  schema: string,
  list: readonly Migration[],
  log: StoreLogger,
): Promise<number[]> {
  const quoted = quoteSchema(schema);
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`parley_migrations:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${quoted}.parley_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set(
        (await client.query<{ version: number }>(`SELECT version FROM ${quoted}.parley_migrations`)).rows.map(
          (row) => row.version,
        ),
      );
      for (const migration of [...list].sort((a, b) => a.version - b.version)) {
        if (done.has(migration.version)) continue;
        try {
          await client.query('BEGIN');
          await client.query(`SET LOCAL search_path TO ${quoted}`);
          await client.query(migration.sql);
          await client.query(`INSERT INTO ${quoted}.parley_migrations (version, name) VALUES ($1, $2)`, [
            migration.version,
            migration.name,
          ]);
          await client.query('COMMIT');
        } catch (cause) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new StoreError(
            'store.migration_failed',
            `Database migration ${migration.version} (${migration.name}) failed; nothing of it was applied.`,
            { cause },
          );
        }
        applied.push(migration.version);
        log.info({ version: migration.version, name: migration.name, schema }, 'store: migration applied');
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`parley_migrations:${schema}`]);
    }
  } finally {
    client.release();
  }
  return applied;
}
