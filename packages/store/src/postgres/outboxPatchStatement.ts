import type { OutboxStatus } from '@parley/flow';
import type { OutboxPatch } from '../Store.js';
import type { Statement } from './commitUnitStatement.js';

/** The status order of `applyOutboxPatch`, as a SQL array (array_position gives the rank). */
const RANKS = `ARRAY['pending','sending','sent','delivered','read','played','failed']::text[]`;
const rank = (sql: string) => `array_position(${RANKS}, ${sql})`;

/**
 * Builds `updateOutbox` as ONE `UPDATE … RETURNING data`: the same result as `applyOutboxPatch`
 * on the locked row (a delivery status only moves a row forward; `failed` wins before delivery),
 * computed by PostgreSQL, so there is no read-modify-write transaction; `claimedBy` is checked
 * in the same statement. Not for a `lastError`
 * under content encryption (that field is sealed inside the record).
 * @example const { text, values } = outboxPatchStatement('out-1', { deliveryStatus: 'read' }, Date.now());
 */
export function outboxPatchStatement(id: string, patch: OutboxPatch, now: number): Statement {
  const values: unknown[] = [id, now];
  const $ = (value: unknown) => `$${values.push(value)}`;
  let status = patch.status !== undefined ? `${$(patch.status)}::text` : 'o.status';
  const delivery = patch.deliveryStatus as OutboxStatus | undefined;
  if (delivery === 'failed') {
    status = `(CASE WHEN ${rank(status)} < ${rank(`'delivered'`)} THEN 'failed' ELSE ${status} END)`;
  } else if (delivery !== undefined) {
    const incoming = `${$(delivery)}::text`;
    // After `failed`, a later `delivered`/`read` means the failure was not final; a `sent` does not.
    status = `(CASE WHEN (${status} = 'failed' AND ${incoming} <> 'sent')
      OR (${status} <> 'failed' AND ${rank(incoming)} > ${rank(status)}) THEN ${incoming} ELSE ${status} END)`;
  }
  const fields: Record<string, unknown> = {};
  if (patch.attempts !== undefined) fields.attempts = patch.attempts;
  if (patch.nextAttemptAt !== undefined) fields.nextAttemptAt = patch.nextAttemptAt;
  if (patch.wamid !== undefined) fields.wamid = patch.wamid;
  if (patch.lastError !== undefined) fields.lastError = patch.lastError;
  const nextAttemptAt =
    patch.nextAttemptAt !== undefined ? `${$(patch.nextAttemptAt)}::bigint` : 'o.next_attempt_at';
  const wamid = patch.wamid !== undefined ? `${$(patch.wamid)}::text` : 'o.wamid';
  // The fence: a sender's outcome only lands on its own claim (no row returned otherwise).
  const fence =
    patch.claimedBy !== undefined
      ? ` AND o.status = 'sending' AND o.lease_owner = ${$(patch.claimedBy)}`
      : '';
  return {
    text: `UPDATE outbox o SET status = ${status}, next_attempt_at = ${nextAttemptAt}, wamid = ${wamid},
      updated_at = $2, lease_owner = NULL, lease_until = NULL,
      data = o.data || ${$(JSON.stringify(fields))}::jsonb || jsonb_build_object('status', ${status}, 'updatedAt', $2::bigint)
      WHERE o.id = $1${fence} RETURNING o.data`,
    values,
  };
}
