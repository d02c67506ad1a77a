import type { CommitUnit } from '@parley/flow';
import { hashInboxId, type ConversationDocument } from './conversationDocument.js';
import type { DocumentChange } from './documentRecord.js';
import type { LowdbDocuments } from './LowdbDocuments.js';

/**
 * The journal change for a commit unit, or null on a revision conflict. Only what the unit adds
 * goes into the record (new outbox rows, new transcript entries, new dedupe hashes), so a commit
 * to a long conversation stays a small record.
 */
export function commitChange(
  doc: ConversationDocument,
  unit: CommitUnit,
  input: { docs: LowdbDocuments; receivedAt: (inboxId: string) => number | undefined; now: number },
): DocumentChange | null {
  const { docs } = input;
  const current = doc.conversation ? (doc.conversation.revision as number) : null;
  const expected = unit.expectedRevision;
  if (expected === null ? current !== null : current !== expected) return null;
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
    if (fresh.length > 0) change.out = fresh.map((row) => docs.sealOutbox(row));
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
  return change;
}
