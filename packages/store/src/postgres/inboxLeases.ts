import type { InboxRecord } from '@parley/flow';
import { plannedEachTime, prepared, type InboxRow, type PostgresDb } from './PostgresDb.js';

// Inbox claims lease a whole conversation (`conversation_leases`) so one instance at a time runs
// it, then its pending rows. Every statement locks lease rows in conversation id order, so claims,
// renewals and releases of several instances never deadlock.

/** Leases the oldest due conversations and their pending rows for `owner`, in arrival order. */
export async function claimInboxRows(
  db: PostgresDb,
  owner: string,
  now: number,
  leaseUntil: number,
  limit: number,
): Promise<InboxRecord[]> {
  // One statement (one round trip, one implicit transaction): pick the oldest conversations
  // with due rows, lease them (in id order, so two instances never wait on each other in a
  // cycle; a live lease of another owner is kept), then lease their pending rows.
  // The due rows are walked in arrival order and the walk stops after `window` of them: an index
  // scan with a limit, which marks the dead entries it passes (rows done since the last vacuum),
  // so the next claim skips them. Reading every pending row instead (a bitmap scan) visited every
  // dead entry on every claim: that walk took ~15 ms of an 18 ms claim in the two-instance
  // benchmark, ~1 ms now (what remains is updating the claimed rows).
  const window = Math.max(limit * 4, 64);
  const { rows } = await db.run<InboxRow & { first: string }>(
    plannedEachTime(
      `WITH due AS (
       SELECT i.conversation_id, i.arrival FROM inbox i
       WHERE i.status = 'pending' AND (i.lease_until IS NULL OR i.lease_until <= $2)
         AND NOT EXISTS (SELECT 1 FROM conversation_leases l
                         WHERE l.conversation_id = i.conversation_id AND l.owner <> $1 AND l.lease_until > $2)
       ORDER BY i.arrival LIMIT $5),
     candidates AS (
       SELECT conversation_id, min(arrival) AS first FROM due
       GROUP BY conversation_id ORDER BY first LIMIT $4),
     acquired AS (
       INSERT INTO conversation_leases (conversation_id, owner, lease_until)
       SELECT conversation_id, $1, $3 FROM candidates ORDER BY conversation_id
       ON CONFLICT (conversation_id) DO UPDATE SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until
       WHERE conversation_leases.owner = EXCLUDED.owner OR conversation_leases.lease_until <= $2
       RETURNING conversation_id),
     claimed AS (
       UPDATE inbox SET lease_owner = $1, lease_until = $3, attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM inbox
         WHERE conversation_id IN (SELECT conversation_id FROM acquired) AND status = 'pending'
           AND (lease_until IS NULL OR lease_until <= $2)
         ORDER BY arrival LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING id, conversation_id, received_at, status, attempts, event, arrival)
     SELECT claimed.*, candidates.first FROM claimed JOIN candidates USING (conversation_id)`,
      [owner, now, leaseUntil, limit, window],
    ),
  );
  return rows
    .sort((a, b) => Number(a.first) - Number(b.first) || Number(a.arrival) - Number(b.arrival))
    .map((row) => db.openInbox(row));
}

/** Extends the leases `owner` still holds on these conversations; returns those it holds. */
export async function renewInboxLeases(
  db: PostgresDb,
  owner: string,
  conversationIds: string[],
  leaseUntil: number,
): Promise<string[]> {
  if (conversationIds.length === 0) return [];
  // Lease rows are locked in conversation id order, as claims lock them, so the two never
  // deadlock; claimed rows are skipped when locked (a commit is marking them done, or a claim
  // of this owner is leasing them anyway), so a renewal never waits on a busy row. Only leases
  // the owner still holds: an expired one another instance took over stays theirs.
  const { rows } = await db.pool.query<{ conversation_id: string }>(
    prepared(
      `WITH held AS (
       SELECT conversation_id FROM conversation_leases
       WHERE owner = $1 AND conversation_id = ANY($2::text[])
       ORDER BY conversation_id FOR UPDATE),
     renewed AS (
       UPDATE conversation_leases l SET lease_until = GREATEST(l.lease_until, $3)
       FROM held WHERE l.conversation_id = held.conversation_id
       RETURNING l.conversation_id),
     claimed AS (
       SELECT id FROM inbox
       WHERE lease_owner = $1 AND status = 'pending'
         AND conversation_id IN (SELECT conversation_id FROM held)
       FOR UPDATE SKIP LOCKED),
     row_leases AS (
       UPDATE inbox i SET lease_until = GREATEST(i.lease_until, $3)
       FROM claimed WHERE i.id = claimed.id)
     SELECT conversation_id FROM renewed`,
      [owner, conversationIds, leaseUntil],
    ),
  );
  return rows.map((row) => row.conversation_id);
}

/** Gives back `owner`'s leases on these conversations (all of them without a list). */
export async function releaseInboxLeases(
  db: PostgresDb,
  owner: string,
  conversationIds?: string[],
): Promise<void> {
  // NULL means every conversation (shutdown). One statement, as the worker calls it often;
  // lease rows are locked in conversation id order, like claims and renewals lock them, and a
  // busy row is skipped (a commit is marking it done), so a release never waits on one.
  const only = conversationIds ?? null;
  if (only?.length === 0) return;
  // Not prepared: a generic plan cannot drop the `$2 IS NULL` branch and scans every pending row.
  await db.pool.query(
    `WITH held AS (
       SELECT conversation_id FROM conversation_leases
       WHERE owner = $1 AND ($2::text[] IS NULL OR conversation_id = ANY($2))
       ORDER BY conversation_id FOR UPDATE),
     released AS (
       DELETE FROM conversation_leases l USING held
       WHERE l.conversation_id = held.conversation_id),
     claimed AS (
       SELECT id FROM inbox
       WHERE lease_owner = $1 AND status = 'pending' AND ($2::text[] IS NULL OR conversation_id = ANY($2))
       FOR UPDATE SKIP LOCKED)
     UPDATE inbox i SET lease_owner = NULL, lease_until = NULL FROM claimed WHERE i.id = claimed.id`,
    [owner, only],
  );
}
