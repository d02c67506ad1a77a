import { conversationDetail } from './adminApi.js';

/** What `auditTranscripts` found over some users' conversations. */
export interface TranscriptAudit {
  /** Things told: user messages, bot messages, delivery statuses (each counted once). */
  told: number;
  /** Delivery statuses told (`sent` included), each counted once. */
  statuses: number;
  /** Rows settled by a status webhook after their send's answer was lost (`outbox.reconciled`). */
  reconciled: number;
  /** Tellings beyond the first of the same thing: must be 0. */
  repeated: number;
  /** Up to five of them, as `user key ×n`. */
  examples: string[];
}

type Entry = {
  direction?: string;
  code?: string;
  outboxId?: string;
  status?: string;
  inbound?: { id?: string };
};

/**
 * The thing an entry tells, or null for entries that may repeat (engine events, errors, retries).
 * A status is keyed by row, not by attempt (entries do not carry the wamid): a row accepted twice
 * (a `failed` status after its first acceptance, then a resend) rightly tells `sent` twice, and
 * would count here. No battery that audits makes such a fault; each resent accepted row there is
 * a duplicate reply, which it rejects anyway.
 */
function subject(entry: Entry): string | null {
  if (entry.direction === 'in' && entry.inbound?.id) return `in ${entry.inbound.id}`;
  if (entry.direction === 'out' && entry.outboxId) return `out ${entry.outboxId}`;
  if ((entry.code === 'outbox.sent' || entry.code === 'outbox.status') && entry.status !== 'failed')
    return `status ${entry.outboxId} ${entry.status}`;
  if (entry.code === 'outbox.reconciled') return `reconciled ${entry.outboxId}`;
  return null;
}

/**
 * Reads each user's conversation through the API and counts what its transcript tells more than
 * once: a user's message (by its wamid), a bot message (by its outbox row), a row's delivery
 * status, a reconciliation. Webhooks that come twice (Meta's redeliveries, a crash before the 200)
 * must not show twice in the conversation a person reads.
 */
export async function auditTranscripts(baseUrl: string, users: readonly string[]): Promise<TranscriptAudit> {
  const audit: TranscriptAudit = { told: 0, statuses: 0, reconciled: 0, repeated: 0, examples: [] };
  for (const user of users) {
    const detail = (await conversationDetail(baseUrl, user)) as { transcript?: Entry[] } | undefined;
    const counts = new Map<string, number>();
    for (const entry of detail?.transcript ?? []) {
      const key = subject(entry);
      if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) {
      audit.told += 1;
      if (key.startsWith('status ')) audit.statuses += 1;
      if (key.startsWith('reconciled ')) audit.reconciled += 1;
      audit.repeated += n - 1;
      if (n > 1 && audit.examples.length < 5) audit.examples.push(`${user} ${key} ×${n}`);
    }
  }
  return audit;
}
