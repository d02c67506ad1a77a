import { readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TimerRecord } from '@parley/flow';
import type { FieldCodec } from '../crypto/FieldCodec.js';
import { fsyncDirectory, writeFileAtomic } from './AtomicJsonFile.js';
import type { ConversationSummary, LowdbIndexes, UnsentRow } from './LowdbIndexes.js';

/** The in-memory indexes as written at a clean shutdown (sealed with content encryption: it holds names). */
interface SnapshotData {
  v: 1;
  /** The journal's last sequence number: numbering continues above it. */
  lsn: number;
  docIds: string[];
  summaries: [string, ConversationSummary][];
  outboxConversation: [string, string][];
  wamids: [string, string][];
  unsent: [string, UnsentRow[]][];
  timers: TimerRecord[];
  purgeableAt: [string, number][];
  docDone: [string, number][];
}

const AAD = 'lowdb|index-snapshot|v1';

/**
 * Writes the indexes so the next `init()` need not read every document (100,000 conversations:
 * a second instead of forty). Only valid when every change is in the documents (after the final
 * write-back); `readIndexSnapshot` deletes it, so a crash afterwards falls back to the full scan.
 * Outbox claims are journaled (`sending` with a lease, kept); legacy in-memory leases are not.
 */
export async function writeIndexSnapshot(
  path: string,
  input: { indexes: LowdbIndexes; lsn: number; codec: FieldCodec; fsync: boolean },
): Promise<void> {
  const { indexes } = input;
  const data: SnapshotData = {
    v: 1,
    lsn: input.lsn,
    docIds: [...indexes.docIds],
    summaries: [...indexes.summaries],
    outboxConversation: [...indexes.outboxConversation],
    wamids: [...indexes.wamids],
    unsent: [...indexes.unsent].map(([id, rows]) => [
      id,
      rows.map((row) =>
        indexes.outboxLeases.has(row.id) ? { ...row, status: 'pending' as const, leaseUntil: 0 } : row,
      ),
    ]),
    timers: [...indexes.timers.values()].map((entry) => entry.timer),
    purgeableAt: [...indexes.purgeableAt],
    docDone: [...indexes.docDone],
  };
  const text = JSON.stringify(input.codec.sealContent(data, AAD));
  await writeFileAtomic(path, text, { fsync: input.fsync });
}

/**
 * Restores the indexes from a snapshot and deletes it; returns its sequence number, or null when
 * there is none (then the caller scans the documents).
 */
export async function readIndexSnapshot(
  path: string,
  input: { indexes: LowdbIndexes; codec: FieldCodec; fsync: boolean },
): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // Deleted before any new change: from now on only the journal and the documents are the truth.
  await unlink(path);
  if (input.fsync) await fsyncDirectory(dirname(path));
  let data: SnapshotData;
  try {
    data = input.codec.openContent<SnapshotData>(JSON.parse(text), AAD);
  } catch (error) {
    // A damaged snapshot is only a lost shortcut: a key error must still surface.
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  if (data.v !== 1) return null;
  const { indexes } = input;
  // JSON.parse makes a string of every occurrence: a conversation's id four times over (its
  // document, summary, purge time and timer) and a bot id, status or node id per conversation —
  // at 100,000 conversations ~20 MB of a ~120 MB heap, kept for good and marked by every full
  // collection. One string each instead.
  const one = createInterner();
  for (const id of data.docIds) indexes.docIds.add(one(id));
  for (const [id, summary] of data.summaries) {
    summary.botId = one(summary.botId);
    summary.status = one(summary.status);
    indexes.summaries.set(one(id), summary);
  }
  for (const [row, id] of data.outboxConversation) indexes.outboxConversation.set(row, one(id));
  for (const [wamid, row] of data.wamids) indexes.wamids.set(wamid, row);
  for (const [id, rows] of data.unsent) indexes.setUnsent(one(id), rows);
  for (const timer of data.timers) {
    timer.conversationId = one(timer.conversationId);
    timer.purpose = one(timer.purpose);
    if (timer.nodeId !== undefined) timer.nodeId = one(timer.nodeId);
    indexes.timers.set(timer.id, { timer, leaseUntil: null });
    indexes.timerHeap.push(timer.dueAt, timer.id);
  }
  for (const [id, at] of data.purgeableAt) indexes.purgeableAt.set(one(id), at);
  for (const [hash, at] of data.docDone) indexes.docDone.set(hash, at);
  return data.lsn;
}

/** Returns the first string seen equal to each one given, so equal strings share one copy. */
function createInterner(): <T extends string>(value: T) => T {
  const seen = new Map<string, string>();
  return <T extends string>(value: T): T => {
    const known = seen.get(value);
    if (known !== undefined) return known as T;
    seen.set(value, value);
    return value;
  };
}
