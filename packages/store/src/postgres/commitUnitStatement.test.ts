import type { CommitUnit } from '@parley/flow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeContact,
  makeConversation,
  makeInbox,
  makeOutbox,
  makeTimer,
  makeTranscript,
  makeUnit,
} from '../conformance/fixtures.js';
import { createFieldCodec } from '../crypto/FieldCodec.js';
import type { Store } from '../Store.js';
import { commitUnitsStatement } from './commitUnitStatement.js';
import { Pool, PostgresDb } from './PostgresDb.js';
import { postgresHarness, probeTestDatabase } from './postgresHarness.js';

const probe = await probeTestDatabase();
if ('skip' in probe && process.env.CI !== 'true')
  process.stderr.write(`\n⚠️  commitUnitsStatement tests SKIPPED: ${probe.skip}\n\n`);

const id = (user: string) => makeConversation(user).id;

/** A unit touching every table: contact, two outbox rows, two transcript entries, a timer, an inbox row. */
function fullUnit(user: string, revision: number, overrides: Partial<CommitUnit> = {}): CommitUnit {
  return makeUnit(makeConversation(user, { revision, nodeId: `at-${revision}` }), {
    contact: makeContact(user, { name: `Name ${user}` }),
    outbox: [makeOutbox(user, `o-${user}-1`, 1, 'one'), makeOutbox(user, `o-${user}-2`, 2, 'two')],
    transcript: [
      makeTranscript(user, `tr-${user}-1`, 3_000, 'same time, first'),
      makeTranscript(user, `tr-${user}-2`, 3_000, 'same time, second'),
    ],
    timersSet: [makeTimer(user, `tm-${user}`, 9_000)],
    inboxDone: [`in-${user}`],
    ...overrides,
  });
}

describe.skipIf('skip' in probe && process.env.CI !== 'true')('commitUnitsStatement', () => {
  const url = 'url' in probe ? probe.url : '';
  const harness = postgresHarness(url);
  let store: Store;
  let db: PostgresDb;
  beforeAll(async () => {
    store = await harness.open({ clock: { now: () => 5_000 } });
    const pool = new Pool({ connectionString: url, max: 1, options: `-c search_path=${harness.schema}` });
    db = new PostgresDb(pool, createFieldCodec({ contentEncryption: false }));
  });
  afterAll(async () => {
    await db?.pool.end();
    await store?.close();
    await harness.destroy();
  });

  const rowsOf = async (sql: string) => (await db.pool.query(sql)).rows;

  it('commits each unit of one group on its own revision check; a refused unit writes nothing', async () => {
    // Stored before: A, C, D, E, G at revision 1; timers of A (one claimed) and C; an outbox row of
    // A; pending inbox rows of A and C, both claimed.
    for (const user of ['3300', '3302', '3303', '3304', '3306'])
      expect(await store.commit(makeUnit(makeConversation(user)))).toEqual({ ok: true });
    expect(
      await store.commit(
        makeUnit(makeConversation('3310'), {
          outbox: [makeOutbox('3300', 'o-3300-1', 1, 'stored first')],
          timersSet: [
            makeTimer('3300', 'tm-3300-old', 1_000),
            makeTimer('3300', 'tm-3300-gone', 1_500),
            makeTimer('3302', 'tm-3302-old', 1_000),
          ],
        }),
      ),
    ).toEqual({ ok: true });
    await store.claimDueTimers('someone', 1_500, 2_000, 1); // takes tm-3300-old only (the earliest)
    await store.appendInbox([makeInbox('3300', 'in-3300', 'a'), makeInbox('3302', 'in-3302', 'c')]);
    await store.claimInbox('someone', 1_000, 20_000, 10);

    const a = fullUnit('3300', 2, {
      // Set twice: the last setting wins; the claimed timer, set again, loses its lease (and is not
      // cancelled: a timer set and cancelled in one unit is set).
      timersSet: [
        makeTimer('3300', 'tm-3300', 9_000),
        makeTimer('3300', 'tm-3300', 9_500),
        makeTimer('3300', 'tm-3300-old', 7_000),
      ],
      timersCancelled: ['tm-3300-gone', 'tm-3300-old', 'tm-3300-gone'],
    });
    const b = fullUnit('3301', 1); // a new conversation; its inbox id was never appended
    const c = fullUnit('3302', 5, { timersCancelled: ['tm-3302-old'] }); // expects 4, stored 1: stale
    const d = fullUnit('3303', 1); // "new", but it exists: refused
    const e = makeUnit(makeConversation('3304'), { conversation: null, expectedRevision: 1 }); // a delete
    const f = makeUnit(makeConversation('3305'), { conversation: null, inboxDone: ['in-3305'] }); // still absent
    const g = makeUnit(makeConversation('3306'), { conversation: null, inboxDone: ['in-3306'] }); // exists: refused
    const units = [c, a, g, b, e, d, f];

    const statement = commitUnitsStatement(db, units.map(toCommit), 5_000);
    const { rows } = await db.run<{ k: number; claimed: null }>(statement);
    expect(rows.map((row) => units[row.k - 1]!.conversationId).sort()).toEqual(
      [a, b, e, f].map((unit) => unit.conversationId).sort(),
    );
    // The text never depends on the group: one prepared statement for all.
    expect(commitUnitsStatement(db, [{ unit: b }], 1).text).toBe(statement.text);
    expect(commitUnitsStatement(db, [{ unit: b }], 1).name).toBe(statement.name);

    expect(await store.getConversation(id('3300'))).toEqual(a.conversation);
    expect(await store.getConversation(id('3301'))).toEqual(b.conversation);
    expect((await store.getConversation(id('3302')))?.revision).toBe(1);
    expect((await store.getConversation(id('3303')))?.nodeId).toBe(makeConversation('3303').nodeId);
    expect(await store.getConversation(id('3304'))).toBeNull();
    expect(await store.getConversation(id('3305'))).toBeNull();
    expect(await store.getConversation(id('3306'))).not.toBeNull();

    expect(await rowsOf(`SELECT id, contact_name, last_seen_at::int FROM contacts ORDER BY id`)).toEqual([
      { id: id('3300'), contact_name: 'Name 3300', last_seen_at: 1_000 },
      { id: id('3301'), contact_name: 'Name 3301', last_seen_at: 1_000 },
    ]);
    expect(await store.getContact(id('3301'))).toEqual(b.contact);

    // An outbox id already stored keeps its first row.
    expect((await store.listOutbox(id('3300'))).map((row) => [row.id, row.message])).toEqual([
      ['o-3300-1', { type: 'text', text: 'stored first' }],
      ['o-3300-2', { type: 'text', text: 'two' }],
    ]);
    expect(await store.listOutbox(id('3301'))).toEqual(b.outbox);
    expect(await rowsOf(`SELECT id FROM outbox WHERE id LIKE 'o-3302%' OR id LIKE 'o-3303%'`)).toEqual([]);

    // Entries of equal time keep the unit's order.
    expect((await store.listTranscript(id('3301'))).map((entry) => entry.id)).toEqual([
      'tr-3301-1',
      'tr-3301-2',
    ]);
    expect(await store.listTranscript(id('3300'))).toEqual(a.transcript);
    expect(
      await rowsOf(`SELECT id FROM transcript WHERE conversation_id IN ('${id('3302')}', '${id('3303')}')`),
    ).toEqual([]);

    expect(
      await rowsOf(`SELECT id, due_at::int, lease_owner, data->>'dueAt' AS data_due FROM timers ORDER BY id`),
    ).toEqual([
      { id: 'tm-3300', due_at: 9_500, lease_owner: null, data_due: '9500' },
      { id: 'tm-3300-old', due_at: 7_000, lease_owner: null, data_due: '7000' }, // set wins over cancelled
      { id: 'tm-3301', due_at: 9_000, lease_owner: null, data_due: '9000' },
      { id: 'tm-3302-old', due_at: 1_000, lease_owner: null, data_due: '1000' }, // the stale unit's cancel: ignored
    ]);

    expect(
      await rowsOf(
        `SELECT id, conversation_id, status, lease_owner, received_at::int FROM inbox ORDER BY id`,
      ),
    ).toEqual([
      { id: 'in-3300', conversation_id: id('3300'), status: 'done', lease_owner: null, received_at: 1_000 },
      { id: 'in-3301', conversation_id: id('3301'), status: 'done', lease_owner: null, received_at: 5_000 },
      {
        id: 'in-3302',
        conversation_id: id('3302'),
        status: 'pending',
        lease_owner: 'someone',
        received_at: 1_000,
      },
      { id: 'in-3305', conversation_id: id('3305'), status: 'done', lease_owner: null, received_at: 5_000 },
    ]);
  });

  it('commits an empty group and a group of one', async () => {
    expect((await db.run(commitUnitsStatement(db, [], 5_000))).rows).toEqual([]);
    const unit = fullUnit('3320', 1);
    expect((await db.run(commitUnitsStatement(db, [{ unit }], 5_000))).rows).toEqual([
      { k: 1, claimed: null },
    ]);
    expect((await db.run(commitUnitsStatement(db, [{ unit }], 5_000))).rows).toEqual([]); // again: exists
    expect(await store.getConversation(id('3320'))).toEqual(unit.conversation);
  });

  it('writes a unit’s first due row already claimed only while none of its conversation is unsent', async () => {
    // Stored before: 3331 with an unsent row; 3332 with a sent one; 3334 at revision 1.
    await store.commit(
      makeUnit(makeConversation('3331'), { outbox: [makeOutbox('3331', 'o-3331-0', 0, 'x')] }),
    );
    const sent = makeOutbox('3332', 'o-3332-0', 1, 'x', { status: 'sent', wamid: 'wamid.3332' });
    await store.commit(makeUnit(makeConversation('3332'), { outbox: [sent] }));
    await store.commit(makeUnit(makeConversation('3334')));
    const claimFor = { owner: 'me', leaseUntil: 40_000 };
    const next = (user: string) => ({
      conversation: makeConversation(user, { revision: 2 }),
      expectedRevision: 1,
    });
    const commits = [
      { unit: fullUnit('3330', 1), claimFor }, // new conversation: its first row is claimed
      { unit: fullUnit('3331', 2, { expectedRevision: 1 }), claimFor }, // an earlier row unsent: none
      { unit: makeUnit(makeConversation('3332'), { ...next('3332'), outbox: twoRows('3332') }), claimFor },
      { unit: fullUnit('3333', 1) }, // no claim asked
      { unit: fullUnit('3334', 5, { expectedRevision: 4 }), claimFor }, // a conflict: nothing written
      // Its first row not due yet (a retry's backoff): none.
      {
        unit: fullUnit('3335', 1, {
          outbox: [makeOutbox('3335', 'o-3335-1', 1, 'x', { nextAttemptAt: 6_000 })],
        }),
        claimFor,
      },
    ];
    const { rows } = await db.run<{ k: number | null; claimed: string | null }>(
      commitUnitsStatement(db, commits, 5_000),
    );
    expect(
      rows
        .filter((row) => row.k !== null)
        .map((row) => row.k)
        .sort(),
    ).toEqual([1, 2, 3, 4, 6]);
    expect(
      rows
        .filter((row) => row.claimed !== null)
        .map((row) => row.claimed)
        .sort(),
    ).toEqual(['o-3330-1', 'o-3332-1']);
    expect(
      await rowsOf(
        `SELECT id, status, data->>'status' AS data_status, lease_owner, lease_until::int FROM outbox
         WHERE conversation_id IN ('${id('3330')}', '${id('3331')}', '${id('3332')}', '${id('3335')}') ORDER BY id`,
      ),
    ).toEqual([
      { id: 'o-3330-1', status: 'sending', data_status: 'sending', lease_owner: 'me', lease_until: 40_000 },
      { id: 'o-3330-2', status: 'pending', data_status: 'pending', lease_owner: null, lease_until: null },
      { id: 'o-3331-0', status: 'pending', data_status: 'pending', lease_owner: null, lease_until: null },
      { id: 'o-3331-1', status: 'pending', data_status: 'pending', lease_owner: null, lease_until: null },
      { id: 'o-3331-2', status: 'pending', data_status: 'pending', lease_owner: null, lease_until: null },
      { id: 'o-3332-0', status: 'sent', data_status: 'sent', lease_owner: null, lease_until: null },
      { id: 'o-3332-1', status: 'sending', data_status: 'sending', lease_owner: 'me', lease_until: 40_000 },
      { id: 'o-3332-2', status: 'pending', data_status: 'pending', lease_owner: null, lease_until: null },
      { id: 'o-3335-1', status: 'pending', data_status: 'pending', lease_owner: null, lease_until: null },
    ]);
    // A claim round passes the claimed conversations by: their first row is out.
    const claimedNow = await store.claimOutbox('other', 5_000, 50_000, 50);
    expect(
      claimedNow
        .map((row) => row.id)
        .filter((rowId) => rowId.startsWith('o-333'))
        .sort(),
    ).toEqual(['o-3331-0', 'o-3333-1']);
    // The claim is the sender's: its outcome is written under it.
    expect(
      await store.updateOutbox('o-3330-1', { status: 'sent', wamid: 'wamid.3330', claimedBy: 'me' }),
    ).toBe(true);
    expect((await store.getOutbox('o-3330-1'))?.status).toBe('sent');
  });
});

const toCommit = (unit: CommitUnit) => ({ unit });
const twoRows = (user: string) => [
  makeOutbox(user, `o-${user}-1`, 2, 'one'),
  makeOutbox(user, `o-${user}-2`, 3, 'two'),
];
