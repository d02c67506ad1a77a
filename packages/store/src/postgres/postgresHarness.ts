import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { StoreHarness } from '../conformance/describeStoreConformance.js';
import { createPostgresStore } from './createPostgresStore.js';

/** The database the PostgreSQL tests use, or why they are skipped (a failure under CI=true). */
export async function probeTestDatabase(): Promise<{ url: string } | { skip: string }> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return { skip: 'TEST_DATABASE_URL is not set' };
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url };
  } catch (error) {
    return { skip: `no PostgreSQL answers at TEST_DATABASE_URL (${(error as Error).message})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A unique schema name; parallel test files never collide. */
export function testSchemaName(prefix = 'parley_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Every row of every table in the schema, as text. */
export async function dumpSchema(url: string, schema: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    const parts: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${table}" t`);
      parts.push(table, ...rows.rows.map((row) => row.row));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

/** Drops a test schema. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A conformance harness over a fresh schema. */
export function postgresHarness(url: string): StoreHarness & { schema: string } {
  const schema = testSchemaName();
  return {
    schema,
    async open(open = {}) {
      const store = createPostgresStore({
        connectionString: url,
        schema,
        cipher: open.cipher,
        contentEncryption: open.contentEncryption ?? false,
        clock: open.clock,
        poolSize: 4,
      });
      await store.init();
      return store;
    },
    dump: () => dumpSchema(url, schema),
    destroy: () => dropSchema(url, schema),
  };
}
