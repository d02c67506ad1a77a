import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeStoreConformance, testCipher } from '../conformance/describeStoreConformance.js';
import {
  conversationId,
  makeConversation,
  makeInbox,
  makeOutbox,
  makeUnit,
} from '../conformance/fixtures.js';
import { DecryptError } from '../errors.js';
import type { Store } from '../Store.js';
import { createPostgresStore } from './createPostgresStore.js';
import { dropSchema, postgresHarness, probeTestDatabase, testSchemaName } from './postgresHarness.js';

const probe = await probeTestDatabase();

if ('skip' in probe) {
  const message = `PostgreSQL store tests SKIPPED: ${probe.skip}. Set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them.`;
  if (process.env.CI === 'true') {
    describe('PostgreSQL store', () => {
      it('needs a database in CI', () => {
        throw new Error(message);
      });
    });
  } else {
    process.stderr.write(`\n⚠️  ${message}\n\n`);
    describe.skip('PostgreSQL store', () => {
      it('skipped', () => expect(true).toBe(true));
    });
  }
} else {
  const url = probe.url;
  describeStoreConformance('postgres', async () => postgresHarness(url));

  describe('PostgreSQL store with several instances', () => {
    const schema = testSchemaName();
    let stores: Store[] = [];
    const open = async () => {
      const store = createPostgresStore({
        connectionString: url,
        schema,
        contentEncryption: false,
        poolSize: 3,
      });
      await store.init();
      return store;
    };
    beforeAll(async () => {
      // Three instances starting at once: the advisory lock applies each migration once.
      stores = await Promise.all([open(), open(), open()]);
    });
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await dropSchema(url, schema);
    });

    it('counts the instances on its schema (for sharing a number’s rate), not those of another', async () => {
      // Each listens for inbox appends, as a server does: that connection stays open while it runs.
      const listening = (store: Store) => store.onInboxAppended!(() => undefined);
      const stops = stores.map(listening);
      const counted = (store: Store) => store.countInstances!();
      await vi.waitFor(async () => expect(await Promise.all(stores.map(counted))).toEqual([3, 3, 3]));
      const elsewhere = createPostgresStore({
        connectionString: url,
        schema: testSchemaName(),
        contentEncryption: false,
        poolSize: 1,
      });
      try {
        expect(await elsewhere.countInstances!()).toBe(1);
      } finally {
        await elsewhere.close();
      }
      const extra = await open();
      listening(extra);
      await vi.waitFor(async () => expect(await counted(stores[0]!)).toBe(4));
      await extra.close();
      await vi.waitFor(async () => expect(await counted(stores[0]!)).toBe(3));
      stops.forEach((stop) => stop());
    });

    it('applied the migrations once', async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query(`SELECT version FROM "${schema}".parley_migrations`);
      await client.end();
      expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
    });

    it('never gives one conversation to two instances claiming at the same time', async () => {
      const [a, b, c] = stores as [Store, Store, Store];
      const rows = Array.from({ length: 30 }, (_, conv) =>
        Array.from({ length: 4 }, (_, n) =>
          makeInbox(`m${conv}`, `claim-${conv}-${n}`, 'x', 1_000 + n * 30 + conv),
        ),
      ).flat();
      await a.appendInbox(rows);
      const owners = new Map<string, Set<string>>();
      const seen = new Set<string>();
      const worker = async (store: Store, owner: string) => {
        for (let round = 0; round < 40; round += 1) {
          const claimed = await store.claimInbox(owner, 2_000, 60_000, 7);
          for (const row of claimed) {
            expect(seen.has(row.id)).toBe(false);
            seen.add(row.id);
            owners.set(row.conversationId, (owners.get(row.conversationId) ?? new Set()).add(owner));
          }
          await store.markInboxDone(claimed.map((row) => row.id));
        }
      };
      await Promise.all([worker(a, 'A'), worker(b, 'B'), worker(c, 'C'), worker(a, 'D')]);
      expect(seen.size).toBe(rows.length);
      for (const set of owners.values()) expect(set.size).toBe(1);
      expect(new Set([...owners.values()].map((set) => [...set][0])).size).toBeGreaterThan(1);
    });

    it('claims a conversation behind a long backlog of one another instance holds', async () => {
      const [a, b] = stores as [Store, Store];
      // The claim walks due rows in arrival order and stops after a window of them: rows of a
      // conversation leased elsewhere must not use up that window.
      await a.appendInbox([makeInbox('busy', 'busy-0', 'x', 5_000)]);
      expect(await a.claimInbox('HOLDER', 6_000, 60_000, 1)).toHaveLength(1);
      await a.appendInbox(
        Array.from({ length: 300 }, (_, n) => makeInbox('busy', `busy-${n + 1}`, 'x', 5_001 + n)),
      );
      await a.appendInbox([makeInbox('idle', 'idle-0', 'x', 9_000)]);
      const claimed = await b.claimInbox('OTHER', 6_000, 60_000, 4);
      expect(claimed.map((row) => row.id)).toEqual(['idle-0']);
      // The holder itself takes its conversation's next rows, oldest first.
      const next = await a.claimInbox('HOLDER', 6_000, 60_000, 4);
      expect(next.map((row) => row.id)).toEqual(['busy-1', 'busy-2', 'busy-3', 'busy-4']);
      await a.releaseInboxClaims('HOLDER');
      await b.releaseInboxClaims('OTHER');
      const rest = await a.claimInbox('CLEANUP', 6_000, 60_000, 1_000);
      await a.markInboxDone([...claimed, ...next, ...rest].map((row) => row.id));
    });

    it('renews and releases leases while rows are claimed and marked done, without a deadlock', async () => {
      const [a, b, c] = stores as [Store, Store, Store];
      const users = Array.from({ length: 40 }, (_, i) => `lock${i}`);
      const rows = users.flatMap((user, i) =>
        Array.from({ length: 5 }, (_, n) => makeInbox(user, `lock-${i}-${n}`, 'x', 1_000 + n * 40 + i)),
      );
      await a.appendInbox(rows);
      expect(await a.claimInbox('L', 2_000, 60_000, 1_000)).toHaveLength(rows.length);
      const ids = users.map(conversationId);
      // Every statement below locks many rows; a different order in any two would deadlock.
      const shuffled = <T>(list: T[]) =>
        list
          .map((item) => ({ item, key: Math.random() }))
          .sort((x, y) => x.key - y.key)
          .map(({ item }) => item);
      const repeat = async (times: number, step: (i: number) => Promise<unknown>) => {
        for (let i = 0; i < times; i += 1) await step(i);
      };
      await Promise.all([
        repeat(40, (i) => a.renewInboxClaims('L', shuffled(ids), 60_000 + i)),
        repeat(40, (i) => b.renewInboxClaims('L', shuffled(ids), 60_000 + i)),
        repeat(20, (i) => c.markInboxDone(shuffled(rows.map((row) => row.id)).slice(0, 30 + i))),
        repeat(20, () => b.releaseInboxClaims('L', shuffled(ids).slice(0, 8))),
        repeat(20, () => c.claimInbox('M', 2_000, 60_000, 50)),
      ]);
      await c.releaseInboxClaims('M');
      await a.releaseInboxClaims('L');
      const left = await a.claimInbox('N', 2_000, 60_000, 1_000);
      await a.markInboxDone(left.map((row) => row.id));
    });

    it('sends each outbox row once, in order, across instances', async () => {
      const [a, b] = stores as [Store, Store];
      for (let conv = 0; conv < 10; conv += 1) {
        await a.commit(
          makeUnit(makeConversation(`out${conv}`), {
            outbox: [1, 2, 3].map((seq) => makeOutbox(`out${conv}`, `out-${conv}-${seq}`, seq, 'x')),
          }),
        );
      }
      const sent: string[] = [];
      const worker = async (store: Store, owner: string) => {
        for (let round = 0; round < 30; round += 1) {
          const claimed = await store.claimOutbox(owner, 2_000, 60_000, 4);
          for (const row of claimed) {
            sent.push(row.id);
            await store.updateOutbox(row.id, { status: 'sent', wamid: `wamid.${row.id}` });
          }
        }
      };
      await Promise.all([worker(a, 'A'), worker(b, 'B'), worker(a, 'C')]);
      expect(sent).toHaveLength(30);
      expect(new Set(sent).size).toBe(30);
      for (let conv = 0; conv < 10; conv += 1) {
        const order = sent.filter((id) => id.startsWith(`out-${conv}-`));
        expect(order).toEqual([1, 2, 3].map((seq) => `out-${conv}-${seq}`));
      }
    });
  });

  describe('PostgreSQL store encryption', () => {
    it('fences a sealed outcome (lastError) on the sender’s claim too', async () => {
      const harness = postgresHarness(url);
      const store = await harness.open({ cipher: testCipher(), contentEncryption: true });
      try {
        await store.commit(makeUnit(makeConversation('e'), { outbox: [makeOutbox('e', 'e1', 1, 'one')] }));
        await store.claimOutbox('d1', 1_000, 9_000, 10);
        const retry = {
          status: 'pending' as const,
          attempts: 1,
          nextAttemptAt: 2_000,
          lastError: { code: 2 },
        };
        expect(await store.updateOutbox('e1', { ...retry, claimedBy: 'd2' })).toBe(false);
        expect((await store.getOutbox('e1'))?.status).toBe('sending');
        expect(await store.updateOutbox('e1', { ...retry, claimedBy: 'd1' })).toBe(true);
        expect(await store.getOutbox('e1')).toMatchObject({
          status: 'pending',
          attempts: 1,
          lastError: { code: 2 },
        });
        expect(await store.updateOutbox('e1', { ...retry, claimedBy: 'd1' })).toBe(false);
      } finally {
        await store.close();
        await harness.destroy();
      }
    });

    it('refuses tampered and moved ciphertexts in rows', async () => {
      const harness = postgresHarness(url);
      const cipher = testCipher();
      const store = await harness.open({ cipher, contentEncryption: true });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await store.commit(makeUnit(makeConversation('a')));
        await store.commit(makeUnit(makeConversation('b')));
        await client.query(
          `UPDATE "${harness.schema}".conversations SET data = jsonb_set(data, '{$content}', (SELECT data->'$content' FROM "${harness.schema}".conversations WHERE id = $1)) WHERE id = $2`,
          [conversationId('a'), conversationId('b')],
        );
        await expect(store.getConversation(conversationId('b'))).rejects.toBeInstanceOf(DecryptError);
        const { rows } = await client.query<{ sealed: string }>(
          `SELECT data->'$content'->>'$sealed' AS sealed FROM "${harness.schema}".conversations WHERE id = $1`,
          [conversationId('a')],
        );
        // `v1.<keyId>.<iv>.<tag>.<ct>`: change the tag's first character, all six of whose bits
        // count (a ciphertext's last character may carry bits base64 decoding drops, so changing
        // it sometimes changed nothing).
        const parts = rows[0]!.sealed.split('.');
        parts[3] = (parts[3]![0] === 'A' ? 'B' : 'A') + parts[3]!.slice(1);
        await client.query(
          `UPDATE "${harness.schema}".conversations SET data = jsonb_set(data, '{$content,$sealed}', to_jsonb($1::text)) WHERE id = $2`,
          [parts.join('.'), conversationId('a')],
        );
        await expect(store.getConversation(conversationId('a'))).rejects.toMatchObject({
          code: 'crypto.decrypt_failed',
        });
      } finally {
        await client.end();
        await store.close();
        await harness.destroy();
      }
    });
  });
}
