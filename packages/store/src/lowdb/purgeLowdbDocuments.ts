import { isUnsentOutbox } from '../applyOutboxPatch.js';
import type { PurgeReport } from '../Store.js';
import type { ConversationDocument } from './conversationDocument.js';
import type { LowdbDocuments } from './LowdbDocuments.js';
import type { LowdbIndexes } from './LowdbIndexes.js';

type Change = <R>(
  id: string,
  fn: (doc: ConversationDocument) => Promise<{ result: R; write: boolean }>,
) => Promise<R>;

/**
 * Retention for the lowdb store: visits only documents whose oldest purgeable item is older than
 * `before` (an index, not a scan). An idle conversation (no timer, nothing to send or process)
 * is deleted with its contact; in a live one only old transcript, finished outbox rows and inbox
 * dedupe entries go.
 */
export async function purgeLowdbDocuments(input: {
  before: number;
  indexes: LowdbIndexes;
  docs: LowdbDocuments;
  change: Change;
}): Promise<PurgeReport> {
  const { before, indexes, docs, change } = input;
  const report: PurgeReport = {
    transcriptEntries: 0,
    inboxRows: 0,
    outboxRows: 0,
    conversations: 0,
    contacts: 0,
  };
  const candidates = [...indexes.purgeableAt].filter(([, at]) => at < before).map(([id]) => id);
  for (const id of candidates) {
    await change(id, async (doc) => {
      const conversation = docs.openConversation(doc.conversation);
      const contact = docs.openContact(doc.contact);
      const busy =
        doc.timers.length > 0 ||
        doc.outbox.some((row) => isUnsentOutbox(row.status as 'pending')) ||
        indexes.pendingByConversation.has(id);
      const idle =
        !busy &&
        (!conversation || conversation.updatedAt < before) &&
        (!contact || (contact.lastUserMessageAt ?? contact.firstSeenAt) < before);
      if (idle) {
        report.conversations += conversation ? 1 : 0;
        report.contacts += contact ? 1 : 0;
        report.transcriptEntries += doc.transcript.length + (doc.overflowCount ?? 0);
        report.outboxRows += doc.outbox.length;
        report.inboxRows += doc.inboxDone.length;
        if (doc.overflowCount) await docs.overflow.rewrite(id, []);
        Object.assign(doc, {
          conversation: null,
          contact: null,
          outbox: [],
          timers: [],
          transcript: [],
          inboxDone: [],
        });
        delete doc.overflowCount;
        delete doc.overflowOldestAt;
        return { result: undefined, write: true };
      }
      const transcript = doc.transcript.filter((entry) => (entry.at as number) >= before);
      report.transcriptEntries += doc.transcript.length - transcript.length;
      doc.transcript = transcript;
      if (doc.overflowOldestAt !== undefined && doc.overflowOldestAt < before) {
        const seen = new Set<string>();
        const overflow = (await docs.overflow.read(id)).filter(
          (entry) => !seen.has(entry.id) && seen.add(entry.id),
        );
        const kept = overflow.filter((entry) => (entry.at as number) >= before);
        report.transcriptEntries += overflow.length - kept.length;
        await docs.overflow.rewrite(id, kept);
        doc.overflowCount = kept.length;
        doc.overflowOldestAt =
          kept.length > 0 ? Math.min(...kept.map((entry) => entry.at as number)) : undefined;
        if (kept.length === 0) {
          delete doc.overflowCount;
          delete doc.overflowOldestAt;
        }
      }
      const outbox = doc.outbox.filter(
        (row) => isUnsentOutbox(row.status as 'pending') || (row.updatedAt as number) >= before,
      );
      report.outboxRows += doc.outbox.length - outbox.length;
      doc.outbox = outbox;
      const inboxDone = doc.inboxDone.filter((entry) => entry.at >= before);
      report.inboxRows += doc.inboxDone.length - inboxDone.length;
      doc.inboxDone = inboxDone;
      return { result: undefined, write: true };
    });
  }
  return report;
}
