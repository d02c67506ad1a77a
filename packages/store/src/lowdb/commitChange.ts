import type { CommitUnit, OutboxRecord } from '@parley/flow';
import type { CommitOptions } from '../Store.js';
import { copyPlain } from './copyPlain.js';
import { hashInboxId, type ConversationDocument, type StoredOutbox } from './conversationDocument.js';
import type { DocumentChange } from './documentRecord.js';
import type { LowdbDocuments } from './LowdbDocuments.js';

/**
 * The journal change for a commit unit, or null on a revision conflict. Only what the unit adds
 * goes into the record (new outbox rows, new transcript entries, new dedupe hashes), so a commit
 * to a long conversation stays a small record. With `claimFor`, the unit's first new row goes in
 * already claimed when a claim would take it at once (see `Store.commit`); `claimed` holds it.
 */
export function commitChange(
  doc: ConversationDocument,
  unit: CommitUnit,
  input: {
    docs: LowdbDocuments;
    receivedAt: (inboxId: string) => number | undefined;
    now: number;
    claimFor?: CommitOptions['claimFor'];
  },
): { change: DocumentChange; claimed: OutboxRecord | null } | null {
  const { docs } = input;
  const current = doc.conversation ? (doc.conversation.revision as number) : null;
  const expected = unit.expectedRevision;
  if (expected === null ? current !== null : current !== expected) return null;
  let claimed: OutboxRecord | null = null;
  const change: DocumentChange = {
    conversation: unit.conversation ? docs.sealConversation(unit.conversation) : null,
  };
  if (unit.contact) change.contact = docs.sealContact(unit.contact);
  if (unit.outbox.length > 0) {
    // A few new rows against a long outbox: compare ids, no set of every row per commit.
    const fresh = unit.outbox.filter(
      (row, index) =>
        !doc.outbox.some((stored) => stored.id === row.id) &&
        unit.outbox.findIndex((other) => other.id === row.id) === index,
    );
    if (fresh.length > 0) {
      const first = input.claimFor ? claimableFirst(doc, fresh, input.now) : undefined;
      change.out = fresh.map((row) => {
        if (row !== first || !input.claimFor) return docs.sealOutbox(row);
        // The claim rides in the commit's own journal record: one durable change, not two. The
        // caller's copy shares nothing with the stored row (sealing copies only the top level).
        claimed = { ...copyPlain(row), status: 'sending' };
        const { owner, leaseUntil } = input.claimFor;
        const stored = docs.sealOutbox({ ...row, status: 'sending' });
        return Object.assign(stored, { leaseOwner: owner, leaseUntil }) as StoredOutbox;
      });
    }
  }
  if (unit.transcript.length > 0) change.tr = unit.transcript.map((entry) => docs.sealTranscript(entry));
  if (unit.timersCancelled.length > 0 || unit.timersSet.length > 0) {
    const cancelled = new Set([...unit.timersCancelled, ...unit.timersSet.map((timer) => timer.id)]);
    change.timers = [...doc.timers.filter((timer) => !cancelled.has(timer.id)), ...unit.timersSet];
  }
  if (unit.inboxDone.length > 0) {
    const done: { h: string; at: number }[] = [];
    for (const id of unit.inboxDone) {
      const hash = hashInboxId(id);
      if (done.some((entry) => entry.h === hash) || doc.inboxDone.some((entry) => entry.h === hash)) continue;
      done.push({ h: hash, at: input.receivedAt(id) ?? input.now });
    }
    change.done = done;
  }
  return { change, claimed };
}

/**
 * The new row a claim would hand out at once: the lowest `seq` of the new rows, pending and due,
 * while none of the conversation's stored rows is unsent (an earlier row goes first; a row held in
 * memory by the sender is stored `pending`, so it counts too).
 */
function claimableFirst(
  doc: ConversationDocument,
  fresh: OutboxRecord[],
  now: number,
): OutboxRecord | undefined {
  if (doc.outbox.some((stored) => stored.status === 'pending' || stored.status === 'sending'))
    return undefined;
  let first: OutboxRecord | undefined;
  for (const row of fresh) if (!first || row.seq < first.seq) first = row;
  return first && first.status === 'pending' && first.nextAttemptAt <= now ? first : undefined;
}
