import { conversationKeyId, type InboxRecord } from '@parley/flow';
import type { ParsedWebhookEvent } from './parseWebhook.js';

/**
 * The dedupe id of an event: the inbound wamid for a message, `status:<wamid>:<status>` for a
 * delivery status (Meta redelivers both; each status of a message is its own fact).
 * @example inboxIdOf(event) // 'wamid.HBg…' or 'status:wamid.HBg…:read'
 */
export function inboxIdOf(event: ParsedWebhookEvent): string | null {
  if (event.kind === 'message') return event.event.message.id;
  if (event.kind === 'status') return `status:${event.event.wamid}:${event.event.status}`;
  return null;
}

/**
 * Turns parsed webhook events into pending inbox records with stable dedupe ids. Value-level
 * errors are not conversation events and produce no record. Duplicates inside one POST collapse.
 * @example await store.appendInbox(inboxRecordsFromWebhook(parsed.events, Date.now()))
 */
export function inboxRecordsFromWebhook(events: readonly ParsedWebhookEvent[], now: number): InboxRecord[] {
  const seen = new Set<string>();
  const records: InboxRecord[] = [];
  for (const item of events) {
    if (item.kind === 'error') continue;
    const id = inboxIdOf(item);
    if (id === null || seen.has(id)) continue;
    seen.add(id);
    records.push({
      id,
      conversationId: conversationKeyId(item.event.key),
      event: item.event,
      receivedAt: now,
      status: 'pending',
      attempts: 0,
    });
  }
  return inTimestampOrderPerConversation(records);
}

function timestampOf(record: InboxRecord): number {
  const { event } = record;
  if (event.type === 'user.message') return event.message.timestamp;
  if (event.type === 'message.status') return event.timestamp;
  return 0;
}

/**
 * Meta does not send a batch in order (PROTOCOL.md §11.5): each conversation's records are put in
 * timestamp order (stable, so ties keep arrival order), in the slots that conversation already
 * held, so other conversations' records do not move.
 */
function inTimestampOrderPerConversation(records: InboxRecord[]): InboxRecord[] {
  const byConversation = new Map<string, InboxRecord[]>();
  for (const record of records) {
    const list = byConversation.get(record.conversationId) ?? [];
    list.push(record);
    byConversation.set(record.conversationId, list);
  }
  for (const list of byConversation.values()) list.sort((a, b) => timestampOf(a) - timestampOf(b));
  const cursors = new Map<string, number>();
  return records.map((record) => {
    const index = cursors.get(record.conversationId) ?? 0;
    cursors.set(record.conversationId, index + 1);
    return byConversation.get(record.conversationId)?.[index] ?? record;
  });
}
