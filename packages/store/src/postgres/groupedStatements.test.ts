import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOutboxPatch } from '../applyOutboxPatch.js';
import {
  makeContact,
  makeConversation,
  makeInbox,
  makeOutbox,
  makeTimer,
  makeTranscript,
  makeUnit,
} from '../conformance/fixtures.js';
import type { OutboxPatch, Store } from '../Store.js';
import { postgresHarness, probeTestDatabase } from './postgresHarness.js';

const probe = await probeTestDatabase();
if ('skip' in probe && process.env.CI !== 'true')
  process.stderr.write(`\n⚠️  grouped statement tests SKIPPED: ${probe.skip}\n\n`);

// Concurrent callers share statements (createCoalescer): each must still get exactly its own answer.
describe.skipIf('skip' in probe && process.env.CI !== 'true')('PostgreSQL store: grouped statements', () => {
  const harness = postgresHarness('url' in probe ? probe.url : '');
  let store: Store;
  beforeAll(async () => {
    store = await harness.open({ clock: { now: () => 5_000 } });
  });
  afterAll(async () => {
    await store?.close();
    await harness.destroy();
  });

  it('concurrent outbox patches each get their own row; a fenced one that lost its claim gets null', async () => {
    const rows = Array.from({ length: 30 }, (_, i) =>
      makeOutbox('3180', `g${i}`, i + 1, 'hi', { status: i % 2 === 0 ? 'sending' : 'sent' }),
    );
    expect(await store.commit(makeUnit(makeConversation('3180'), { outbox: rows }))).toEqual({ ok: true });
    const patches: OutboxPatch[] = rows.map((_, i) =>
      i % 3 === 0
        ? { deliveryStatus: 'delivered' }
        : i % 3 === 1
          ? { status: 'pending', attempts: 2, nextAttemptAt: 9_000, claimedBy: 'someone-else' }
          : { deliveryStatus: 'read', wamid: `wamid.g${i}` },
    );
    // The same row twice in one burst: both patches apply, in call order.
    const results = await Promise.all([
      ...rows.map((row, i) => store.updateOutbox(row.id, patches[i]!)),
      store.updateOutbox('g0', { deliveryStatus: 'read' }),
      store.updateOutbox('missing', { deliveryStatus: 'read' }),
    ]);
    for (const [i, row] of rows.entries()) {
      // A fence on an owner that never claimed the row: nothing changes.
      const fenced = i % 3 === 1;
      expect(results[i], row.id).toBe(!fenced);
      if (i !== 0)
        expect(await store.getOutbox(row.id), row.id).toEqual(
          fenced ? row : applyOutboxPatch(row, patches[i]!, 5_000),
        );
    }
    expect(results[30]).toBe(true);
    expect(results[31]).toBe(false);
    expect((await store.getOutbox('g0'))?.status).toBe('read');
    expect((await store.getOutbox('g1'))?.status).toBe('sent');
  });

  it('concurrent patches with transcript entries write each entry with its update, only where the row was updated', async () => {
    const rows = Array.from({ length: 6 }, (_, i) =>
      makeOutbox('3185', `tg${i}`, i + 1, 'hi', { status: i === 1 ? 'sending' : 'sent' }),
    );
    expect(await store.commit(makeUnit(makeConversation('3185'), { outbox: rows }))).toEqual({ ok: true });
    const entry = (id: string, at: number) => makeTranscript('3185', id, at, `status of ${id}`);
    const results = await Promise.all([
      store.updateOutbox('tg0', { deliveryStatus: 'delivered' }, [entry('te-0', 10)]),
      // Fenced off (another owner's claim): neither the row nor its entry is written.
      store.updateOutbox('tg1', { status: 'pending', claimedBy: 'someone-else' }, [entry('te-1', 11)]),
      store.updateOutbox('missing', { deliveryStatus: 'read' }, [entry('te-missing', 12)]),
      store.updateOutbox('tg2', { deliveryStatus: 'read' }, [entry('te-2a', 13), entry('te-2b', 14)]),
      store.updateOutbox('tg3', { deliveryStatus: 'delivered' }),
      // An entry already stored is skipped, the update still lands.
      store.updateOutbox('tg4', { deliveryStatus: 'delivered' }, [entry('te-0', 10)]),
      // Entries written alone (a status the row already shows) share the statement.
      store.appendTranscript([entry('te-loose-a', 16), entry('te-loose-b', 17)]).then(() => null),
    ]);
    expect(results).toEqual([true, false, false, true, true, true, null]);
    const statuses = await Promise.all(['tg0', 'tg1', 'tg2', 'tg3', 'tg4'].map((id) => store.getOutbox(id)));
    expect(statuses.map((row) => row?.status)).toEqual([
      'delivered',
      'sending',
      'read',
      'delivered',
      'delivered',
    ]);
    // Alone (no other write to share a statement with), too.
    expect(await store.updateOutbox('tg5', { deliveryStatus: 'read' }, [entry('te-5', 15)])).toBe(true);
    expect((await store.getOutbox('tg5'))?.status).toBe('read');
    await store.appendTranscript([entry('te-6', 18)]);
    const ids = (await store.listTranscript(makeConversation('3185').id)).map((stored) => stored.id);
    expect(ids).toEqual(['te-0', 'te-2a', 'te-2b', 'te-5', 'te-loose-a', 'te-loose-b', 'te-6']);
  });

  it('concurrent point reads each get their own record (a key asked twice: two objects)', async () => {
    await store.commit(makeUnit(makeConversation('3181'), { contact: makeContact('3181') }));
    await store.commit(makeUnit(makeConversation('3182')));
    const [a, b, c, none, byWamid, noWamid] = await Promise.all([
      store.getConversation(makeConversation('3181').id),
      store.getConversation(makeConversation('3181').id),
      store.getConversation(makeConversation('3182').id),
      store.getConversation('nope'),
      store.findOutboxByWamid('wamid.g2'),
      store.findOutboxByWamid('wamid.none'),
    ]);
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(c?.id).toBe(makeConversation('3182').id);
    expect(none).toBeNull();
    expect(byWamid?.id).toBe('g2');
    expect(noWamid).toBeNull();
    const [contact, missing] = await Promise.all([
      store.getContact(makeContact('3181').id),
      store.getContact('nobody'),
    ]);
    expect(contact?.id).toBe(makeContact('3181').id);
    expect(missing).toBeNull();
  });

  it('concurrent appends share one insert: each caller learns which of its own ids are new', async () => {
    const x = makeInbox('3183', 'in-x', 'x');
    const y = makeInbox('3183', 'in-y', 'y');
    const z = makeInbox('3184', 'in-z', 'z');
    await store.appendInbox([z]);
    const [first, second, third] = await Promise.all([
      store.appendInbox([x, y]),
      store.appendInbox([y, z]),
      store.appendInbox([x]),
    ]);
    expect(first).toEqual(['in-x', 'in-y']);
    expect(second).toEqual([]);
    expect(third).toEqual([]);
    const claimed = await store.claimInbox('me', 10_000, 20_000, 10);
    expect(claimed.map((row) => row.id).sort()).toEqual(['in-x', 'in-y', 'in-z']);
  });

  it('concurrent commits share statements; a stale unit writes nothing while the others commit', async () => {
    const users = ['3190', '3191', '3192', '3193'];
    for (const user of users)
      expect(await store.commit(makeUnit(makeConversation(user)))).toEqual({ ok: true });
    await store.appendInbox(users.map((user) => makeInbox(user, `cin-${user}`, 'hi')));
    const unitOf = (user: string, revision: number) =>
      makeUnit(makeConversation(user, { revision, nodeId: `at-${revision}` }), {
        contact: makeContact(user),
        outbox: [makeOutbox(user, `cout-${user}-${revision}`, revision, 'reply')],
        transcript: [makeTranscript(user, `ctr-${user}-${revision}`, 2_000 + revision, 'hi')],
        timersSet: [makeTimer(user, `ctm-${user}`, 9_000 + revision)],
        inboxDone: [`cin-${user}`],
      });
    const results = await Promise.all([
      store.commit(unitOf('3190', 2)),
      store.commit(unitOf('3191', 2)),
      store.commit(unitOf('3192', 5)), // expects revision 4: stale
      store.commit(unitOf('3193', 2)),
      store.commit(unitOf('3193', 3)), // the same conversation: the next statement, after revision 2
    ]);
    expect(results).toEqual([
      { ok: true },
      { ok: true },
      { ok: false, reason: 'conflict' },
      { ok: true },
      { ok: true },
    ]);
    expect((await store.getConversation(makeConversation('3190').id))?.nodeId).toBe('at-2');
    expect((await store.getConversation(makeConversation('3193').id))?.revision).toBe(3);
    expect((await store.getConversation(makeConversation('3192').id))?.revision).toBe(1);
    expect(await store.getOutbox('cout-3191-2')).not.toBeNull();
    expect(await store.getOutbox('cout-3192-5')).toBeNull();
    expect(await store.getContact(makeContact('3192').id)).toBeNull();
    expect(await store.listTranscript(makeConversation('3192').id)).toEqual([]);
    expect((await store.listTranscript(makeConversation('3193').id)).map((entry) => entry.id)).toEqual([
      'ctr-3193-2',
      'ctr-3193-3',
    ]);
    // Only the stale unit's inbox row is still to do.
    const pending = await store.claimInbox('me', 10_000, 20_000, 10);
    expect(pending.map((row) => row.id)).toEqual(['cin-3192']);
  });

  it("a number's bot and a flow's latest version: remembered briefly, frozen; a change here is read at once, another instance's within a second", async () => {
    const bot = {
      id: 'cache-bot',
      name: 'Orders',
      phoneNumberId: '3197',
      flowId: 'cache-flow',
      flowVersion: 'latest' as const,
      kind: 'production' as const,
      health: { tokenValid: null },
      createdAt: 1,
      updatedAt: 1,
    };
    await store.saveBot(bot);
    const first = await store.getBotByPhoneNumberId('3197');
    expect(first?.name).toBe('Orders');
    expect(Object.isFrozen(first) && Object.isFrozen(first?.health)).toBe(true);
    await store.saveBot({ ...bot, name: 'Orders 2' });
    expect((await store.getBotByPhoneNumberId('3197'))?.name).toBe('Orders 2');
    const v1 = await store.publishFlowVersion({
      flowId: 'cache-flow',
      hash: 'c1',
      document: { a: 1 },
      publishedAt: 1,
    });
    expect((await store.getLatestFlowVersion('cache-flow'))?.version).toBe(v1.version);
    const v2 = await store.publishFlowVersion({
      flowId: 'cache-flow',
      hash: 'c2',
      document: { a: 2 },
      publishedAt: 2,
    });
    expect((await store.getLatestFlowVersion('cache-flow'))?.version).toBe(v2.version);

    const other = await harness.open({});
    try {
      await other.saveBot({ ...bot, name: 'Orders 3' });
      await other.publishFlowVersion({
        flowId: 'cache-flow',
        hash: 'c3',
        document: { a: 3 },
        publishedAt: 3,
      });
      await expect
        .poll(async () => (await store.getBotByPhoneNumberId('3197'))?.name, { timeout: 3_000 })
        .toBe('Orders 3');
      await expect
        .poll(async () => (await store.getLatestFlowVersion('cache-flow'))?.version, { timeout: 3_000 })
        .toBe(v2.version + 1);
      await other.deleteBot('cache-bot');
      await expect.poll(() => store.getBotByPhoneNumberId('3197'), { timeout: 3_000 }).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('wakes another instance on the same schema when rows are appended, not itself', async () => {
    const other = await harness.open({});
    try {
      let mine = 0;
      let theirs = 0;
      const stopMine = store.onInboxAppended!(() => (mine += 1));
      const stopTheirs = other.onInboxAppended!(() => (theirs += 1));
      // Each LISTEN connection wakes its subscribers once when it (re)connects: rows appended while
      // it was down told no one. Wait for both, then count only the appends.
      await expect.poll(() => mine >= 1 && theirs >= 1).toBe(true);
      [mine, theirs] = [0, 0];
      await store.appendInbox([makeInbox('3195', 'note-1', 'a'), makeInbox('3196', 'note-2', 'b')]);
      await expect.poll(() => theirs).toBe(1);
      await other.appendInbox([makeInbox('3195', 'note-3', 'c')]);
      await expect.poll(() => mine).toBe(1);
      await store.appendInbox([makeInbox('3195', 'note-1', 'a')]); // nothing new: no notification
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([mine, theirs]).toEqual([1, 1]);
      stopMine();
      stopTheirs();
    } finally {
      await other.close();
    }
  });
});
