import type { OutboxRecord, OutboxStatus } from '@parley/flow';
import type { OutboxPatch } from './Store.js';

const RANK: Record<OutboxStatus, number> = {
  pending: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  played: 5,
  failed: 6,
};

/** Statuses after which a row is never sent again (retention may delete them). */
export const FINISHED_OUTBOX_STATUSES: readonly OutboxStatus[] = [
  'sent',
  'delivered',
  'read',
  'played',
  'failed',
];

/** True while a row still has to be sent (or its send outcome is unknown). */
export function isUnsentOutbox(status: OutboxStatus): boolean {
  return status === 'pending' || status === 'sending';
}

/**
 * Applies a dispatcher patch. A delivery status only moves a row forward (a late `delivered`
 * never overwrites `read`), and `failed` from a status webhook wins over `sent`.
 * @example applyOutboxPatch(row, { deliveryStatus: 'read' }, now)
 */
export function applyOutboxPatch(row: OutboxRecord, patch: OutboxPatch, now: number): OutboxRecord {
  const next: OutboxRecord = { ...row, updatedAt: now };
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.attempts !== undefined) next.attempts = patch.attempts;
  if (patch.nextAttemptAt !== undefined) next.nextAttemptAt = patch.nextAttemptAt;
  if (patch.wamid !== undefined) next.wamid = patch.wamid;
  if (patch.lastError !== undefined) next.lastError = patch.lastError;
  if (patch.deliveryStatus !== undefined) {
    const delivery = patch.deliveryStatus as OutboxStatus;
    if (delivery === 'failed') {
      if (RANK[next.status] < RANK.delivered) next.status = 'failed';
    } else if (next.status === 'failed' || RANK[delivery] > RANK[next.status]) {
      // A `sent`/`delivered` after `failed` means the failure was not final after all.
      if (next.status !== 'failed' || delivery !== 'sent') next.status = delivery;
    }
  }
  return next;
}
