import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeInbox } from '../conformance/fixtures.js';
import { createLowdbStore } from './createLowdbStore.js';
import { spawnChild, waitForLine } from './testChildren/spawnChild.js';

// Regression: outbox claims lived in memory only, so after a kill -9 between the claim (the send
// was on its way to the Graph API) and the `sent` update, the next start sent the reply again.
describe('lowdb outbox claim across kill -9', () => {
  it(
    'keeps a claimed reply leased after a crash instead of sending it again',
    { timeout: 30_000 },
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'parley-claim-'));
      try {
        const child = spawnChild('claimAndHold', [dataDir]);
        expect(await waitForLine(child, /^claimed /)).toBe('claimed out-k1 32000');
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;

        const store = createLowdbStore({ dataDir, contentEncryption: false, fsync: true });
        await store.init();
        try {
          // The consumed message is not pending again, and is known as a duplicate.
          expect(await store.claimInbox('worker', 3_000, 63_000, 10)).toEqual([]);
          expect(await store.appendInbox([makeInbox('k1', 'in-k1', 'hello')])).toEqual([]);
          // The reply may have reached WhatsApp: not claimable while its lease runs.
          expect((await store.getOutbox('out-k1'))?.status).toBe('sending');
          expect(await store.countPendingOutbox()).toBe(1);
          expect(await store.claimOutbox('dispatcher-2', 3_000, 33_000, 10)).toEqual([]);
          expect(await store.recoverExpiredOutbox(31_999)).toBe(0);
          // Once the lease expired (no status webhook reconciled it) it is sent again.
          expect(await store.recoverExpiredOutbox(32_000)).toBe(1);
          const again = await store.claimOutbox('dispatcher-2', 32_000, 62_000, 10);
          expect(again.map((row) => [row.id, row.status])).toEqual([['out-k1', 'sending']]);
          // A status webhook (sent) settles it for good.
          await store.updateOutbox('out-k1', { deliveryStatus: 'sent', wamid: 'wamid.k1', attempts: 1 });
          expect(await store.countPendingOutbox()).toBe(0);
        } finally {
          await store.close();
        }
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );
});
