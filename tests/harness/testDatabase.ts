import pg from 'pg';

/** Base URL of the test PostgreSQL (`TEST_DATABASE_URL`). */
export const testDatabaseBase = process.env.TEST_DATABASE_URL;

/**
 * Whether PostgreSQL answers. Unset or unreachable: false with a loud message, except under
 * `CI=true` where a missing PostgreSQL is a failure (throws).
 */
export async function postgresAvailable(label: string): Promise<boolean> {
  const problem = async (): Promise<string | undefined> => {
    if (!testDatabaseBase) return 'TEST_DATABASE_URL is not set';
    const client = new pg.Client({ connectionString: testDatabaseBase, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      return `PostgreSQL at TEST_DATABASE_URL does not answer (${(error as Error).message})`;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const why = await problem();
  if (!why) return true;
  if (process.env.CI === 'true') throw new Error(`${label}: ${why}, and CI=true requires it.`);
  process.stderr.write(`\n!!! ${label}: SKIPPING the PostgreSQL cases — ${why}.\n\n`);
  return false;
}

/** Drops and creates database `name` on the test server (or the one at `base`); returns its URL. */
export async function freshDatabase(name: string, base = testDatabaseBase): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Bad database name ${name}`);
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops database `name` (end of a test file), on the test server or the one at `base`. */
export async function dropDatabase(name: string, base = testDatabaseBase): Promise<void> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
