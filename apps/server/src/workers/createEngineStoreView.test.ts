import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresStore } from '@parley/store';
import { createEngineStoreView } from './createEngineStoreView.js';

const url = process.env.TEST_DATABASE_URL;
const reachable = url
  ? await (async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      try {
        await client.connect();
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    })()
  : false;
if (!reachable) {
  const message = 'createEngineStoreView tests need TEST_DATABASE_URL (a reachable PostgreSQL)';
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`\n⚠️  ${message}: SKIPPED\n\n`);
}

describe.skipIf(!reachable)('createEngineStoreView', () => {
  it('reads a published version once, and never remembers a version that was missing', async () => {
    const schema = `parley_view_${randomBytes(5).toString('hex')}`;
    const store = createPostgresStore({ connectionString: url!, schema, contentEncryption: false });
    await store.init();
    try {
      const view = createEngineStoreView(store);
      expect(await view.getFlowVersion('pizza', 1)).toBeNull();
      const published = await store.publishFlowVersion({
        flowId: 'pizza',
        hash: 'h1',
        document: { id: 'pizza', nodes: [] },
        publishedAt: 1,
      });
      // The miss was not cached: the version published since is found.
      expect(await view.getFlowVersion('pizza', 1)).toEqual(published);
      await store.close();
      // Served from memory: the store is closed, a read through it would fail.
      expect(await view.getFlowVersion('pizza', 1)).toEqual(published);
      await expect(view.getConversation('1:2')).rejects.toThrow();
    } finally {
      await store.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
