import type { OutboxStatus } from '@parley/flow';
import type { OutboxPatch } from '../Store.js';
import type { Statement } from './commitUnitStatement.js';
import { jsonbArray, jsonList } from './jsonArrays.js';
import { prepared, type SealedTranscriptEntry } from './PostgresDb.js';

/** The status order of `applyOutboxPatch`, as a SQL array (array_position gives the rank). */
const RANKS = `ARRAY['pending','sending','sent','delivered','read','played','failed']::text[]`;
const rank = (sql: string) => `array_position(${RANKS}, ${sql})`;

/**
 * Builds `updateOutbox` as ONE `UPDATE … RETURNING id` (a row when it was written): the same
 * result as `applyOutboxPatch` on the locked row (a delivery status only moves a row forward;
 * `failed` wins before delivery), computed by PostgreSQL, so there is no read-modify-write
 * transaction; `claimedBy` is checked in the same statement. Not for a `lastError` under content
 * encryption (that field is sealed inside the record).
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
  const fields = patchFields(patch);
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
      WHERE o.id = $1${fence} RETURNING o.id`,
    values,
  };
}

/** One `updateOutbox` of a group: the row, its patch and the time it was asked at. */
export interface OutboxUpdate {
  id: string;
  patch: OutboxPatch;
  now: number;
  /**
   * Transcript entries describing the update (a status webhook's), sealed as stored: inserted by
   * the same statement, only if the row was updated.
   */
  transcript?: SealedTranscriptEntry[];
}

// The patch fields arrive as one array each (NULL: not in this row's patch), so the text never
// changes: PostgreSQL parses and plans it once per connection (a statement of one CTE per row was
// planned anew each time, which cost more than the updates). Rows are locked in id order first,
// so two instances' groups never wait on each other in a cycle.
const base = 'COALESCE(i.status, o.status)';
const groupStatus = `(CASE WHEN i.delivery IS NULL THEN ${base}
  WHEN i.delivery = 'failed' THEN (CASE WHEN ${rank(base)} < ${rank(`'delivered'`)} THEN 'failed' ELSE ${base} END)
  WHEN (${base} = 'failed' AND i.delivery <> 'sent') OR (${base} <> 'failed' AND ${rank('i.delivery')} > ${rank(base)})
    THEN i.delivery
  ELSE ${base} END)`;
const GROUP_SQL = `WITH i AS MATERIALIZED (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], ${jsonbArray(6)}, $7::text[], $8::bigint[])
      WITH ORDINALITY AS t(id, status, delivery, next_attempt_at, wamid, fields, claimed_by, now, k)),
  locked AS MATERIALIZED (SELECT o.id FROM outbox o WHERE o.id IN (SELECT id FROM i) ORDER BY o.id FOR UPDATE)
  UPDATE outbox o SET status = ${groupStatus}, next_attempt_at = COALESCE(i.next_attempt_at, o.next_attempt_at),
    wamid = COALESCE(i.wamid, o.wamid), updated_at = i.now, lease_owner = NULL, lease_until = NULL,
    data = o.data || i.fields || jsonb_build_object('status', ${groupStatus}, 'updatedAt', i.now)
  FROM i WHERE o.id = i.id AND o.id IN (SELECT id FROM locked)
    AND (i.claimed_by IS NULL OR (o.status = 'sending' AND o.lease_owner = i.claimed_by))
  RETURNING i.k`;

// The same with transcript entries, each tagged with its update's k (inserted only if that update
// found its row) or 0 (entries written alone, always inserted): one round trip, one transaction
// and one WAL flush where the updates and the entries were two. A data-modifying CTE runs once
// whether or not it is read.
const GROUP_WITH_TRANSCRIPT_SQL = `WITH u AS (${GROUP_SQL}),
  t AS (INSERT INTO transcript (id, conversation_id, at, data)
    SELECT e.id, e.conversation_id, e.at, e.data
    FROM unnest($9::text[], $10::text[], $11::bigint[], ${jsonbArray(12)}, $13::bigint[])
      WITH ORDINALITY AS e(id, conversation_id, at, data, k, n)
    WHERE e.k = 0 OR e.k IN (SELECT u.k FROM u) ORDER BY e.n
    ON CONFLICT (id) DO NOTHING)
  SELECT k FROM u`;

/**
 * Several `updateOutbox` calls (different rows) as ONE prepared statement of constant text, each
 * with the result of `outboxPatchStatement`: returns a row `k` for each update written, k being
 * its position from 1; a row missing or fenced off returns nothing. (Not the rows themselves: no
 * caller reads them, and each carries its message, which PostgreSQL would print and `pg` parse.)
 * Not for a sealed `lastError`. The updates' transcript entries, and `loose` entries written on
 * their own, go in the same statement.
 * @example const { rows } = await pool.query(outboxPatchesStatement([{ id: 'out-1', patch: { deliveryStatus: 'read' }, now }]));
 */
export function outboxPatchesStatement(
  updates: readonly OutboxUpdate[],
  loose: readonly SealedTranscriptEntry[] = [],
) {
  const column = <T>(pick: (update: OutboxUpdate) => T | undefined) =>
    updates.map((update) => pick(update) ?? null);
  const rows = [
    column((u) => u.id),
    column((u) => u.patch.status),
    column((u) => u.patch.deliveryStatus),
    column((u) => u.patch.nextAttemptAt),
    column((u) => u.patch.wamid),
    jsonList(updates.map(({ patch }) => patchFields(patch))),
    column((u) => u.patch.claimedBy),
    column((u) => u.now),
  ];
  const entries = [
    ...updates.flatMap((update, index) =>
      (update.transcript ?? []).map((entry) => ({ entry, k: index + 1 })),
    ),
    ...loose.map((entry) => ({ entry, k: 0 })),
  ];
  if (entries.length === 0) return prepared(GROUP_SQL, rows);
  return prepared(GROUP_WITH_TRANSCRIPT_SQL, [
    ...rows,
    entries.map(({ entry }) => entry.id),
    entries.map(({ entry }) => entry.conversationId),
    entries.map(({ entry }) => entry.at),
    jsonList(entries.map(({ entry }) => entry.data)),
    entries.map(({ k }) => k),
  ]);
}

/** The plain fields a patch merges into the row's JSON. */
function patchFields(patch: OutboxPatch): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (patch.attempts !== undefined) fields.attempts = patch.attempts;
  if (patch.nextAttemptAt !== undefined) fields.nextAttemptAt = patch.nextAttemptAt;
  if (patch.wamid !== undefined) fields.wamid = patch.wamid;
  if (patch.lastError !== undefined) fields.lastError = patch.lastError;
  return fields;
}
