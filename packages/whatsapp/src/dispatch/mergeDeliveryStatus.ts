import type { DeliveryStatus, OutboxStatus } from '@parley/flow';

/** How far along a message is; `failed` is handled apart because it is terminal, not "further". */
const RANK: Record<OutboxStatus, number> = {
  pending: 0,
  sending: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  played: 4,
  failed: -1,
};

/** What a delivery status does to an outbox row. */
export type StatusMerge =
  /** Move the row to this status. */
  | { action: 'advance'; status: OutboxStatus }
  /** The status is old news (a `delivered` after `read`): record it, change nothing. */
  | { action: 'keep' }
  /** A `failed` for a message not yet delivered: the caller decides retry or give up. */
  | { action: 'fail' };

/**
 * Merges a delivery status into a row's status monotonically: sent < delivered < read < played,
 * so statuses arriving out of order never move a row back; `failed` only counts before delivery.
 * @example mergeDeliveryStatus('read', 'delivered') // { action: 'keep' }
 */
export function mergeDeliveryStatus(current: OutboxStatus, incoming: DeliveryStatus): StatusMerge {
  if (current === 'failed') return { action: 'keep' };
  if (incoming === 'failed') return RANK[current] <= RANK.sent ? { action: 'fail' } : { action: 'keep' };
  return RANK[incoming] > RANK[current] ? { action: 'advance', status: incoming } : { action: 'keep' };
}

/** The further of two statuses, for writing a send result over a status a webhook already set. */
export function furthestStatus(current: OutboxStatus, next: OutboxStatus): OutboxStatus {
  if (current === 'failed') return current;
  return RANK[next] >= RANK[current] ? next : current;
}
