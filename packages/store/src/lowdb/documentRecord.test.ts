import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { emptyDocument, type ConversationDocument, type StoredOutbox } from './conversationDocument.js';
import { applyRecord, toJournalForm, type DocumentRecord } from './documentRecord.js';

const message = {
  type: 'list',
  body: 'Which pizza would you like?',
  sections: [{ title: 'Classics', rows: [{ id: 'opt-margherita', title: 'Margherita' }] }],
};

function row(id: string, fields: Partial<StoredOutbox> = {}): StoredOutbox {
  return { id, seq: 0, status: 'pending', attempts: 0, message, updatedAt: 1, ...fields };
}

function documentWith(outbox: StoredOutbox[]): ConversationDocument {
  return { ...emptyDocument('c1'), outbox };
}

/** Applies `record` in memory and its journal form on a copy of the same document, as replay does. */
function applyBoth(outbox: StoredOutbox[], record: DocumentRecord) {
  const live = documentWith(outbox);
  const replayed = structuredClone(documentWith(outbox));
  const before = live.outbox;
  applyRecord(live, record);
  const journaled = JSON.parse(JSON.stringify(toJournalForm(record, before))) as DocumentRecord;
  applyRecord(replayed, journaled);
  return { live: JSON.parse(JSON.stringify(live)) as ConversationDocument, replayed, journaled };
}

describe('toJournalForm', () => {
  it('journals a claim, a send and a status as the fields they changed, and replays to the same rows', () => {
    const pending = row('r1');
    const claimed = { ...pending, status: 'sending', updatedAt: 2, leaseOwner: 'a', leaseUntil: 30 };
    const claim = applyBoth([pending], { n: 2, d: 'c1', out: [claimed] });
    expect(claim.journaled.out).toBeUndefined();
    expect(claim.journaled.op).toEqual([
      { id: 'r1', set: { status: 'sending', updatedAt: 2, leaseOwner: 'a', leaseUntil: 30 } },
    ]);
    expect(claim.replayed).toEqual(claim.live);

    // The send's answer: the lease fields go (undefined counts as absent, as in JSON).
    const sent = {
      ...claimed,
      status: 'sent',
      wamid: 'wamid.1',
      leaseOwner: undefined,
      leaseUntil: undefined,
    };
    const send = applyBoth([claimed], { n: 3, d: 'c1', out: [sent], tr: [{ id: 't1', at: 3 }] });
    expect(send.journaled.op).toEqual([
      { id: 'r1', set: { status: 'sent', wamid: 'wamid.1' }, unset: ['leaseOwner', 'leaseUntil'] },
    ]);
    expect(send.journaled.tr).toEqual([{ id: 't1', at: 3 }]);
    expect(send.replayed).toEqual(send.live);
    expect(JSON.stringify(send.journaled.op).length).toBeLessThan(JSON.stringify(sent).length / 2);
  });

  it('keeps new rows whole, and a row given twice as a patch of its first version', () => {
    const kept = row('r1', { status: 'sent' });
    const fresh = row('r2', { seq: 1 });
    const freshClaimed = { ...fresh, status: 'sending', leaseOwner: 'a' };
    // A copied message (not the same object) that is equal stays out of the patch.
    const keptRead = { ...kept, message: structuredClone(message), deliveryStatus: 'read' };
    const result = applyBoth([kept], { n: 4, d: 'c1', out: [fresh, keptRead, freshClaimed] });
    expect(result.journaled.out).toEqual([fresh]);
    expect(result.journaled.op).toEqual([
      { id: 'r1', set: { deliveryStatus: 'read' } },
      { id: 'r2', set: { status: 'sending', leaseOwner: 'a' } },
    ]);
    expect(result.replayed).toEqual(result.live);
    expect(result.replayed.outbox.map((stored) => stored.id)).toEqual(['r1', 'r2']);
  });

  it('leaves records without earlier rows, and whole-document records, as they are', () => {
    const record: DocumentRecord = { n: 5, d: 'c1', out: [row('r1')] };
    expect(toJournalForm(record, [])).toBe(record);
    const image: DocumentRecord = { n: 6, d: 'c1', img: documentWith([]), out: [row('r1')] };
    expect(toJournalForm(image, [row('r1')])).toBe(image);
  });

  it('refuses to replay a patch of a row the document does not hold, saying which', () => {
    const doc = documentWith([]);
    expect(() => applyRecord(doc, { n: 7, op: [{ id: 'r9', set: { status: 'sent' } }] })).toThrow(StoreError);
    expect(() => applyRecord(doc, { n: 7, op: [{ id: 'r9', set: {} }] })).toThrow(/record 7 .* row r9/);
  });
});
