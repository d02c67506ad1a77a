import type { TranscriptEntry } from '@parley/flow';
import type { ConversationDocument } from './conversationDocument.js';
import { copyPlain } from './copyPlain.js';
import type { DocumentChange } from './documentRecord.js';
import type { LowdbDocuments } from './LowdbDocuments.js';

/**
 * A conversation's transcript, oldest first: the entries moved to its overflow file, then the
 * ones still in the document, each once (an entry may be in both while a write-back moves it).
 */
export async function readLowdbTranscript(
  docs: LowdbDocuments,
  doc: ConversationDocument,
  options: { afterAt?: number; limit?: number },
): Promise<TranscriptEntry[]> {
  const stored = doc.overflowCount
    ? [...(await docs.overflow.read(doc.id)), ...doc.transcript]
    : doc.transcript;
  const seen = new Set<string>();
  const entries: TranscriptEntry[] = [];
  for (const entry of stored) {
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    if (options.afterAt !== undefined && (entry.at as number) <= options.afterAt) continue;
    entries.push(docs.openTranscript(copyPlain(entry)));
  }
  // Stable sort: entries of one instant keep their commit order.
  entries.sort((a, b) => a.at - b.at);
  return options.limit === undefined ? entries : entries.slice(0, options.limit);
}

/** The change appending `entries` (one conversation's) to `doc`, without ids it already holds. */
export function transcriptAppendChange(
  docs: LowdbDocuments,
  doc: ConversationDocument,
  entries: TranscriptEntry[],
): DocumentChange | null {
  // A few entries against up to TRANSCRIPT_IN_DOCUMENT: compare ids, no set per call.
  const fresh = entries.filter(
    (entry, index) =>
      !doc.transcript.some((stored) => stored.id === entry.id) &&
      entries.findIndex((other) => other.id === entry.id) === index,
  );
  return fresh.length === 0 ? null : { tr: fresh.map((entry) => docs.sealTranscript(entry)) };
}
