import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { claimInboxRows } from './inboxLeases.js';
import type { PostgresDb } from './PostgresDb.js';
import { PostgresOutbox } from './PostgresOutbox.js';

/** A database that records the statements it is given and answers none of them with rows. */
function recordingDb(): { db: PostgresDb; statements: pg.QueryConfig[] } {
  const statements: pg.QueryConfig[] = [];
  const answer = async (config: pg.QueryConfig) => {
    statements.push(config);
    return { rows: [] };
  };
  const db = { pool: { query: answer }, run: answer } as unknown as PostgresDb;
  return { db, statements };
}

// A prepared statement keeps the generic plan made on its connection's first executions; made
// while the queues were nearly empty, the outbox claim's was a nested loop of sequential scans,
// 400 ms per claim once the outbox held 8,600 rows (the README's tenth session). The claims go
// unnamed, so each is planned for the tables as they are.
describe('PostgreSQL claims', () => {
  it('are planned at each execution (unnamed statements)', async () => {
    const { db, statements } = recordingDb();
    await new PostgresOutbox(db, { now: () => 1_000 }).claim('me', 1_000, 2_000, 10);
    await claimInboxRows(db, 'me', 1_000, 2_000, 10);
    expect(statements).toHaveLength(2);
    expect(statements[0]!.text).toMatch(/^UPDATE outbox o SET status = 'sending'/);
    expect(statements[1]!.text).toMatch(/^WITH due AS/);
    for (const statement of statements) expect(statement.name).toBeUndefined();
  });
});
