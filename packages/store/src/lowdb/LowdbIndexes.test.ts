import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyDocument, type StoredOutbox, type StoredRecord } from './conversationDocument.js';
import { applyRecord, type DocumentChange } from './documentRecord.js';
import { footprint } from './footprint.js';
import { sealedFieldsOf } from '../crypto/sealFields.js';
import { INDEXED_CONVERSATION_FIELDS, INDEXED_OUTBOX_FIELDS, indexOpener } from './indexViews.js';
import { LowdbIndexes } from './LowdbIndexes.js';

/** Records stored in plain form (no content encryption): the store's own views. */
const opener = indexOpener((stored) => stored as never);

const time = fc.integer({ min: 1, max: 1000 });
const conversation = fc.record({
  id: fc.constant('c1'),
  botId: fc.constantFrom('b1', 'b2'),
  userId: fc.constant('u1'),
  status: fc.constantFrom('active', 'ended'),
  updatedAt: time,
  revision: fc.nat(),
});
const contact = fc.record({
  id: fc.constant('c1'),
  name: fc.constantFrom('Ann', 'Bob'),
  firstSeenAt: time,
  lastUserMessageAt: fc.option(time, { nil: null }),
});
const outboxRow = fc
  .record({
    n: fc.integer({ min: 1, max: 4 }),
    status: fc.constantFrom('pending', 'sending', 'sent', 'delivered', 'read', 'failed'),
    updatedAt: time,
    nextAttemptAt: time,
    // Wamids are unique per message; a row's wamid may change (a resend).
    wamid: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
    leaseUntil: fc.option(time, { nil: undefined }),
  })
  .map(({ n, wamid, leaseUntil, ...row }): StoredOutbox => {
    const stored: StoredOutbox = { id: `o${n}`, seq: n, ...row };
    if (wamid !== undefined) stored.wamid = `w${n}${wamid}`;
    if (leaseUntil !== undefined) Object.assign(stored, { leaseOwner: 'w', leaseUntil });
    return stored;
  });
const timer = fc.record({ n: fc.integer({ min: 1, max: 3 }), dueAt: time }).map(({ n, dueAt }) => ({
  id: `t${n}`,
  conversationId: 'c1',
  dueAt,
  purpose: 'delay' as const,
  createdAt: 0,
}));
const change: fc.Arbitrary<DocumentChange> = fc.record(
  {
    conversation: fc.option(conversation as fc.Arbitrary<StoredRecord>, { nil: null }),
    contact: fc.option(contact as fc.Arbitrary<StoredRecord>, { nil: null }),
    out: fc.array(outboxRow, { maxLength: 3 }),
    timers: fc.uniqueArray(timer, { maxLength: 3, selector: (t) => t.id }),
    tr: fc.array(
      time.map((at) => ({ id: `e${at}`, at })),
      { maxLength: 2 },
    ),
    done: fc.array(fc.record({ h: fc.constantFrom('h1', 'h2', 'h3', 'h4'), at: time }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

/** The indexes' observable state, in plain form. */
function state(indexes: LowdbIndexes) {
  return {
    docIds: [...indexes.docIds].sort(),
    summaries: Object.fromEntries(indexes.summaries),
    outboxConversation: Object.fromEntries(indexes.outboxConversation),
    wamids: Object.fromEntries(indexes.wamids),
    unsent: Object.fromEntries(indexes.unsent),
    timers: Object.fromEntries(indexes.timers),
    nextTimerDueAt: indexes.nextTimerDueAt(),
    purgeableAt: Object.fromEntries(indexes.purgeableAt),
    docDone: Object.fromEntries(indexes.docDone),
  };
}

describe('LowdbIndexes', () => {
  it('reads only fields that content encryption leaves in the clear', () => {
    // The indexes read stored records without opening them: a sealed field would read as undefined.
    const sealed = new Set<string>([...sealedFieldsOf.conversation, ...sealedFieldsOf.outbox]);
    const indexed = [...INDEXED_CONVERSATION_FIELDS, ...INDEXED_OUTBOX_FIELDS];
    expect(indexed.filter((field) => sealed.has(field))).toEqual([]);
  });

  it('updates from changes exactly as a whole re-index of the document would', () => {
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 12 }), (changes) => {
        const doc = emptyDocument('c1');
        const incremental = new LowdbIndexes();
        changes.forEach((next, index) => {
          // As the store does (createLowdbStore #change): arrays from before, then the change.
          const previous = { outbox: doc.outbox, timers: doc.timers };
          const before = footprint(doc);
          applyRecord(doc, { ...next, n: index + 1 });
          if (!incremental.applyChange(doc, next, previous, opener)) incremental.reindex(doc, before, opener);
        });
        const whole = new LowdbIndexes();
        whole.reindex(doc, undefined, opener);
        expect(state(incremental)).toStrictEqual(state(whole));
      }),
      { numRuns: 300 },
    );
  });

  it('hands out due outbox heads in nextAttemptAt order, each once, after their rows change', () => {
    const indexes = new LowdbIndexes();
    for (const [id, at] of [
      ['a', 30],
      ['b', 10],
      ['c', 20],
    ] as const) {
      indexes.setUnsent(id, [{ id: `${id}1`, seq: 1, status: 'pending', nextAttemptAt: at, leaseUntil: 0 }]);
    }
    // Re-set with the same head (no change): no duplicate entry is needed to find it.
    indexes.setUnsent('b', indexes.unsent.get('b')!);
    const order: string[] = [];
    for (let top = indexes.outboxHeads.pop(); top; top = indexes.outboxHeads.pop()) order.push(top.value);
    expect(order).toEqual(['b', 'c', 'a']);
  });
});
