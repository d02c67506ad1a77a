import type { ChannelError, DeliveryStatus, OutboxRecord, TranscriptEntry } from '@parley/flow';

/** Stable codes of the transcript entries the dispatcher writes. */
export type OutboxTranscriptCode =
  | 'outbox.sent'
  | 'outbox.retry'
  | 'outbox.failed'
  | 'outbox.expired'
  | 'outbox.credentials'
  | 'outbox.status'
  | 'outbox.reconciled'
  | 'window.closed';

const WORDS: Record<OutboxTranscriptCode, (detail: string) => string> = {
  'outbox.sent': () => 'Sent to WhatsApp.',
  'outbox.retry': (detail) => `WhatsApp could not take this message yet (${detail}); trying again later.`,
  'outbox.failed': (detail) => `WhatsApp refused this message: ${detail}`,
  'outbox.expired': () => 'This message was not sent: it waited too long to be delivered.',
  'outbox.credentials': () =>
    "Sending is paused: WhatsApp refused the access token. Update the bot's token to resume.",
  'outbox.status': (detail) => `WhatsApp reports this message as ${detail}.`,
  // True whether the send's answer was lost or only late (it may come to another instance).
  'outbox.reconciled': () =>
    "WhatsApp confirmed this message before its send's answer was recorded, so it was not sent again.",
  'window.closed': () =>
    'This message was not sent: the 24-hour window to reply freely has closed. Only an approved template can be sent now.',
};

/**
 * The id of the entry that says a message left for WhatsApp: the send's answer writes it with the
 * row's update, and a `sent` status webhook that beats the answer (found by our callback data)
 * writes it under the same id, so whichever comes second is skipped by the store (an entry id is
 * written once) and the transcript says it once. A resend gets a new wamid, so a new entry.
 * @example sentEntryId('out-1', 'wamid.HBgL…') // 'out-1:sent:wamid.HBgL…'
 */
export function sentEntryId(outboxId: string, wamid: string): string {
  return statusEntryId(outboxId, 'sent', wamid);
}

/**
 * The id of the entry that tells one attempt's (one wamid's) delivery status; `failed` excepted
 * (each copy of a failure is acted on, see createStatusApplier). Fixed, so the store writes it
 * once however often the status comes: two copies of a webhook applied at the same time (Meta
 * redelivers one it got no 200 for while the first copy is still being applied, on this instance
 * or another) both read the row before either writes, so neither sees the other's entry.
 * @example statusEntryId('out-1', 'read', 'wamid.HBgL…') // 'out-1:read:wamid.HBgL…'
 */
export function statusEntryId(
  outboxId: string,
  status: Exclude<DeliveryStatus, 'failed'>,
  wamid: string,
): string {
  return `${outboxId}:${status}:${wamid}`;
}

/**
 * The id of the entry that says a lost send answer was made good by a status webhook: fixed for
 * the same reason as `statusEntryId` (two instances can each take a copy of that webhook before
 * either has written the wamid).
 */
export function reconciledEntryId(outboxId: string, wamid: string): string {
  return `${outboxId}:reconciled:${wamid}`;
}

/**
 * Builds a transcript entry about an outbox row, with words for a person.
 * @example outboxEntry(row, 'outbox.sent', { id: 't1', at: now })
 */
export function outboxEntry(
  row: Pick<OutboxRecord, 'id' | 'conversationId' | 'nodeId'>,
  code: OutboxTranscriptCode,
  init: { id: string; at: number; detail?: string; status?: DeliveryStatus; errors?: ChannelError[] },
): TranscriptEntry {
  const failed = code === 'outbox.failed' || code === 'outbox.expired' || code === 'window.closed';
  return {
    id: init.id,
    conversationId: row.conversationId,
    at: init.at,
    ...(row.nodeId !== undefined && { nodeId: row.nodeId }),
    direction: failed || code === 'outbox.credentials' ? 'error' : 'event',
    outboxId: row.id,
    code,
    text: WORDS[code](init.detail ?? ''),
    ...(init.status !== undefined && { status: init.status }),
    ...(init.errors !== undefined && init.errors.length > 0 && { errors: init.errors }),
  };
}
