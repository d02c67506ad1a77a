import type { DeliveryStatus, OutboxStatus } from '@parley/flow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOutboxPatch } from '../applyOutboxPatch.js';
import { testCipher } from '../conformance/describeStoreConformance.js';
import { makeConversation, makeOutbox, makeUnit } from '../conformance/fixtures.js';
import type { OutboxPatch, Store } from '../Store.js';
import { postgresHarness, probeTestDatabase } from './postgresHarness.js';

const probe = await probeTestDatabase();
if ('skip' in probe && process.env.CI !== 'true')
  process.stderr.write(`\n⚠️  outboxPatchStatement tests SKIPPED: ${probe.skip}\n\n`);

const STATUSES: OutboxStatus[] = ['pending', 'sending', 'sent', 'delivered', 'read', 'played', 'failed'];
const DELIVERY: (DeliveryStatus | undefined)[] = [undefined, 'sent', 'delivered', 'read', 'failed'];

describe.skipIf('skip' in probe && process.env.CI !== 'true')(
  'updateOutbox as one PostgreSQL statement',
  () => {
    const harness = postgresHarness('url' in probe ? probe.url : '');
    let store: Store;
    let encrypted: Store;
    beforeAll(async () => {
      store = await harness.open({ clock: { now: () => 5_000 } });
      encrypted = await harness.open({
        cipher: testCipher(),
        contentEncryption: true,
        clock: { now: () => 5_000 },
      });
    });
    afterAll(async () => {
      await store?.close();
      await encrypted?.close();
      await harness.destroy();
    });

    it('gives the same row as applyOutboxPatch for every status, patch status and delivery status', async () => {
      const rows = [];
      const cases: { id: string; from: OutboxStatus; patch: OutboxPatch }[] = [];
      for (const from of STATUSES)
        for (const status of [undefined, 'pending', 'sent'] as const)
          for (const deliveryStatus of DELIVERY) {
            const id = `p${cases.length}`;
            const patch: OutboxPatch = {
              ...(status && { status }),
              ...(deliveryStatus && { deliveryStatus }),
              attempts: 2,
              wamid: `wamid.${id}`,
            };
            cases.push({ id, from, patch });
            rows.push(makeOutbox('3170', id, cases.length, 'hi', { status: from }));
          }
      expect(await store.commit(makeUnit(makeConversation('3170'), { outbox: rows }))).toEqual({ ok: true });
      for (const [index, { id, patch }] of cases.entries()) {
        const expected = applyOutboxPatch(rows[index]!, patch, 5_000);
        expect(await store.updateOutbox(id, patch), `${rows[index]!.status} + ${JSON.stringify(patch)}`).toBe(
          true,
        );
        expect(await store.getOutbox(id), `${rows[index]!.status} + ${JSON.stringify(patch)}`).toEqual(
          expected,
        );
      }
      // The columns the claims and lookups use follow the JSON.
      expect((await store.findOutboxByWamid('wamid.p0'))?.id).toBe('p0');
    });

    it('gives the same rows as applyOutboxPatch when the patches share one group statement', async () => {
      const rows = [];
      const cases: { id: string; patch: OutboxPatch }[] = [];
      for (const from of STATUSES)
        for (const status of [undefined, 'pending', 'sent'] as const)
          for (const deliveryStatus of DELIVERY) {
            const id = `q${cases.length}`;
            const patch: OutboxPatch = {
              ...(status && { status }),
              ...(deliveryStatus && { deliveryStatus }),
              ...(cases.length % 2 === 0 && { attempts: 3, nextAttemptAt: 7_000 }),
              ...(cases.length % 3 === 0 && { lastError: { code: 131000, message: 'boom' } }),
              // A fence that holds (the row is `sending` under this claim) and one that does not.
              ...(cases.length % 5 === 0 && { claimedBy: from === 'sending' ? 'me' : 'someone-else' }),
            };
            cases.push({ id, patch });
            rows.push(makeOutbox('3172', id, cases.length, 'hi', { status: from }));
          }
      const unit = makeUnit(makeConversation('3172'), { outbox: rows });
      expect(await store.commit(unit)).toEqual({ ok: true });
      // The rows stored as `sending` are `me`'s claims.
      const client = new pg.Client({
        connectionString: 'url' in probe ? probe.url : '',
        options: `-c search_path=${harness.schema}`,
      });
      await client.connect();
      await client.query(`UPDATE outbox SET lease_owner = 'me' WHERE status = 'sending' AND id LIKE 'q%'`);
      await client.end();
      const results = await Promise.all(cases.map(({ id, patch }) => store.updateOutbox(id, patch)));
      for (const [index, { patch }] of cases.entries()) {
        const row = rows[index]!;
        const fenced =
          patch.claimedBy !== undefined && (row.status !== 'sending' || patch.claimedBy !== 'me');
        expect(results[index], `${row.status} + ${JSON.stringify(patch)}`).toBe(!fenced);
        expect(await store.getOutbox(row.id)).toEqual(fenced ? row : applyOutboxPatch(row, patch, 5_000));
      }
    });

    it('keeps a sealed lastError sealed and readable under content encryption; a missing row is null', async () => {
      const row = makeOutbox('3171', 'enc1', 1, 'secret text');
      expect(await encrypted.commit(makeUnit(makeConversation('3171'), { outbox: [row] }))).toEqual({
        ok: true,
      });
      const written = await encrypted.updateOutbox('enc1', {
        status: 'pending',
        attempts: 1,
        nextAttemptAt: 9_000,
        lastError: { code: 131000, message: 'Something private went wrong' },
      });
      expect(written).toBe(true);
      expect(await encrypted.getOutbox('enc1')).toMatchObject({
        status: 'pending',
        nextAttemptAt: 9_000,
        lastError: { code: 131000, message: 'Something private went wrong' },
      });
      expect(await harness.dump()).not.toContain('Something private');
      expect(await encrypted.updateOutbox('missing', { deliveryStatus: 'read' })).toBe(false);
    });
  },
);
