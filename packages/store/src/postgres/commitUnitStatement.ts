import type { CommitUnit, ContactRecord, OutboxRecord, TimerRecord, TranscriptEntry } from '@parley/flow';
import type pg from 'pg';
import type { CommitOptions } from '../Store.js';
import { jsonbArray, jsonList } from './jsonArrays.js';
import { prepared, type PostgresDb } from './PostgresDb.js';

/** One SQL statement and its parameters. */
export interface Statement {
  text: string;
  values: unknown[];
}

// Every part of the group arrives as arrays (one element per unit, or per row with its unit's
// position `k`), so the text never changes: each connection parses and plans it once (a text of one
// CTE per unit was planned anew for every group, the largest PostgreSQL cost of a reply).
//
// `u` holds one row per unit: `data` NULL when the unit has no conversation, `expected` NULL for a
// conversation that must not exist yet. Each unit's revision check is one of four writes (update,
// delete, insert, or "still absent"); `ok` collects the units that passed and guards every other
// write, so a conflicting unit writes nothing while the others commit. The rows to update or delete
// are locked in id order first, and new ones inserted in id order after that (each gated on the
// lock step by a one-time filter), so two instances' groups never wait on each other in a cycle.
// The main query reads `ok`, so the conversation writes finish before the others run.
const COMMIT_SQL = `WITH u AS MATERIALIZED (
    SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
        $8::bigint[], ${jsonbArray(9)})
      WITH ORDINALITY AS t(id, expected, phone_number_id, user_id, bot_id, status, revision, updated_at, data, k)),
  locked AS MATERIALIZED (
    SELECT c.id FROM conversations c JOIN u ON c.id = u.id AND c.revision = u.expected
    ORDER BY c.id FOR UPDATE OF c),
  updated AS (
    UPDATE conversations c SET phone_number_id = u.phone_number_id, user_id = u.user_id, bot_id = u.bot_id,
      status = u.status, revision = u.revision, updated_at = u.updated_at, data = u.data
    FROM u WHERE u.data IS NOT NULL AND c.id = u.id AND c.revision = u.expected
      AND (SELECT count(*) FROM locked) >= 0
    RETURNING u.k),
  deleted AS (
    DELETE FROM conversations c USING u
    WHERE u.data IS NULL AND c.id = u.id AND c.revision = u.expected AND (SELECT count(*) FROM locked) >= 0
    RETURNING u.k),
  inserted AS (
    INSERT INTO conversations (id, phone_number_id, user_id, bot_id, status, revision, updated_at, data)
    SELECT id, phone_number_id, user_id, bot_id, status, revision, updated_at, data FROM u
    WHERE data IS NOT NULL AND expected IS NULL AND (SELECT count(*) FROM locked) >= 0
    ORDER BY id
    ON CONFLICT (id) DO NOTHING RETURNING id),
  ok AS MATERIALIZED (
    SELECT k FROM updated
    UNION ALL SELECT k FROM deleted
    UNION ALL SELECT u.k FROM inserted JOIN u ON u.id = inserted.id
    UNION ALL SELECT k FROM u WHERE data IS NULL AND expected IS NULL
      AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = u.id)),
  contacts_written AS (
    INSERT INTO contacts (id, contact_name, last_seen_at, data)
    SELECT id, contact_name, last_seen_at, data
    FROM unnest($10::int[], $11::text[], $12::text[], $13::bigint[], ${jsonbArray(14)})
      AS t(k, id, contact_name, last_seen_at, data)
    WHERE k IN (SELECT k FROM ok)
    ORDER BY id
    ON CONFLICT (id) DO UPDATE SET contact_name = EXCLUDED.contact_name, last_seen_at = EXCLUDED.last_seen_at,
      data = EXCLUDED.data),
  outbox_rows AS (
    SELECT t.*, t.lease_owner IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox e
        WHERE e.conversation_id = t.conversation_id AND e.status IN ('pending', 'sending')) AS claim
    FROM unnest($15::int[], $16::text[], $17::text[], $18::int[], $19::text[], $20::bigint[], $21::text[],
        $22::bigint[], ${jsonbArray(23)}, $40::text[], $41::bigint[])
      AS t(k, id, conversation_id, seq, status, next_attempt_at, wamid, updated_at, data, lease_owner, lease_until)
    WHERE k IN (SELECT k FROM ok)),
  outbox_written AS (
    INSERT INTO outbox (id, conversation_id, seq, status, next_attempt_at, wamid, updated_at, data, lease_owner,
      lease_until)
    SELECT id, conversation_id, seq, CASE WHEN claim THEN 'sending' ELSE status END, next_attempt_at, wamid,
      updated_at, CASE WHEN claim THEN data || '{"status": "sending"}'::jsonb ELSE data END,
      CASE WHEN claim THEN lease_owner END, CASE WHEN claim THEN lease_until END
    FROM outbox_rows
    ON CONFLICT (id) DO NOTHING
    RETURNING id, lease_owner),
  transcript_written AS (
    INSERT INTO transcript (id, conversation_id, at, data)
    SELECT id, conversation_id, at, data
    FROM unnest($24::int[], $25::text[], $26::text[], $27::bigint[], ${jsonbArray(28)})
      WITH ORDINALITY AS t(k, id, conversation_id, at, data, n)
    WHERE k IN (SELECT k FROM ok)
    ORDER BY n
    ON CONFLICT (id) DO NOTHING),
  timers_cancelled AS (
    DELETE FROM timers t USING unnest($29::int[], $30::text[]) AS x(k, id)
    WHERE t.id = x.id AND x.k IN (SELECT k FROM ok)),
  timers_set AS (
    INSERT INTO timers (id, conversation_id, due_at, data)
    SELECT id, conversation_id, due_at, data
    FROM unnest($31::int[], $32::text[], $33::text[], $34::bigint[], ${jsonbArray(35)}) AS t(k, id, conversation_id, due_at, data)
    WHERE k IN (SELECT k FROM ok)
    ORDER BY id
    ON CONFLICT (id) DO UPDATE SET conversation_id = EXCLUDED.conversation_id, due_at = EXCLUDED.due_at,
      data = EXCLUDED.data, lease_owner = NULL, lease_until = NULL),
  inbox_done AS (
    INSERT INTO inbox (id, conversation_id, received_at, status)
    SELECT id, conversation_id, $36::bigint, 'done'
    FROM unnest($37::int[], $38::text[], $39::text[]) AS t(k, id, conversation_id)
    WHERE k IN (SELECT k FROM ok)
    ORDER BY id
    ON CONFLICT (id) DO UPDATE SET status = 'done', lease_owner = NULL, lease_until = NULL)
SELECT k::int AS k, NULL AS claimed FROM ok
UNION ALL SELECT NULL, id FROM outbox_written WHERE lease_owner IS NOT NULL`;

/**
 * Commit units (of different conversations) as ONE prepared statement of constant text: one round
 * trip, one parse per connection and one WAL flush for all. Each unit keeps its own revision check:
 * a conflicting unit writes nothing while the others commit. Returns rows `(k, claimed)`: `k` the
 * position from 1 of each unit that committed, or `claimed` the id of an outbox row written already
 * claimed (a unit's `claimFor` given, its first row due, none of its conversation's rows unsent).
 * Units must not share a conversation, contact, timer or inbox id (a statement changes a row once).
 * @example const { rows } = await pool.query(commitUnitsStatement(db, [{ unit: a }, { unit: b }], Date.now()));
 */
export function commitUnitsStatement(
  db: PostgresDb,
  commits: readonly UnitToCommit[],
  now: number,
): pg.QueryConfig {
  const units = commits.map((commit) => commit.unit);
  const conversations = units.map((unit) => unit.conversation);
  const contacts: Array<[number, ContactRecord]> = [];
  const outbox: Array<[number, OutboxRecord]> = [];
  const transcript: Array<[number, TranscriptEntry]> = [];
  const cancelled: Array<[number, string]> = [];
  const timersSet: Array<[number, TimerRecord]> = [];
  const inboxDone: Array<[number, string, string]> = [];
  const claims = new Map<OutboxRecord, ClaimFor>();
  commits.forEach(({ unit, claimFor }, index) => {
    const k = index + 1;
    if (unit.contact) contacts.push([k, unit.contact]);
    for (const row of unit.outbox) outbox.push([k, row]);
    const first = claimFor ? firstDue(unit.outbox, now) : undefined;
    if (first && claimFor) claims.set(first, claimFor);
    for (const entry of unit.transcript) transcript.push([k, entry]);
    // A timer set again replaces the stored one (lease cleared); the last setting of an id wins.
    const set = [...new Map(unit.timersSet.map((timer) => [timer.id, timer])).values()];
    const setIds = new Set(set.map((timer) => timer.id));
    for (const id of new Set(unit.timersCancelled)) if (!setIds.has(id)) cancelled.push([k, id]);
    for (const timer of set) timersSet.push([k, timer]);
    // Ids never appended (a synthetic event) are recorded too: the dedupe covers them.
    for (const id of new Set(unit.inboxDone)) inboxDone.push([k, id, unit.conversationId]);
  });
  return prepared(COMMIT_SQL, [
    units.map((unit) => unit.conversationId),
    units.map((unit) => unit.expectedRevision),
    conversations.map((c) => c?.phoneNumberId ?? null),
    conversations.map((c) => c?.userId ?? null),
    conversations.map((c) => c?.botId ?? null),
    conversations.map((c) => c?.status ?? null),
    conversations.map((c) => c?.revision ?? null),
    conversations.map((c) => c?.updatedAt ?? null),
    jsonList(conversations.map((c) => (c ? db.sealConversation(c) : null))),
    contacts.map(([k]) => k),
    contacts.map(([, c]) => c.id),
    contacts.map(([, c]) => (db.codec.contentEncryption ? null : (c.name ?? null))),
    contacts.map(([, c]) => c.lastUserMessageAt ?? c.firstSeenAt),
    jsonList(contacts.map(([, c]) => db.sealContact(c))),
    outbox.map(([k]) => k),
    outbox.map(([, r]) => r.id),
    outbox.map(([, r]) => r.conversationId),
    outbox.map(([, r]) => r.seq),
    outbox.map(([, r]) => r.status),
    outbox.map(([, r]) => r.nextAttemptAt),
    outbox.map(([, r]) => r.wamid ?? null),
    outbox.map(([, r]) => r.updatedAt),
    jsonList(outbox.map(([, r]) => db.sealOutbox(r))),
    transcript.map(([k]) => k),
    transcript.map(([, e]) => e.id),
    transcript.map(([, e]) => e.conversationId),
    transcript.map(([, e]) => e.at),
    jsonList(transcript.map(([, e]) => db.sealTranscript(e))),
    cancelled.map(([k]) => k),
    cancelled.map(([, id]) => id),
    timersSet.map(([k]) => k),
    timersSet.map(([, t]) => t.id),
    timersSet.map(([, t]) => t.conversationId),
    timersSet.map(([, t]) => t.dueAt),
    jsonList(timersSet.map(([, t]) => t)),
    now,
    inboxDone.map(([k]) => k),
    inboxDone.map(([, id]) => id),
    inboxDone.map(([, , conversationId]) => conversationId),
    outbox.map(([, r]) => claims.get(r)?.owner ?? null),
    outbox.map(([, r]) => claims.get(r)?.leaseUntil ?? null),
  ]);
}

type ClaimFor = NonNullable<CommitOptions['claimFor']>;

/** A unit to commit, and the sender its first reply may be claimed for (see `Store.commit`). */
export interface UnitToCommit {
  unit: CommitUnit;
  claimFor?: ClaimFor;
}

/** The unit's lowest-`seq` row, if it is pending and due (the statement checks the rest). */
function firstDue(rows: readonly OutboxRecord[], now: number): OutboxRecord | undefined {
  let first: OutboxRecord | undefined;
  for (const row of rows) if (!first || row.seq < first.seq) first = row;
  return first && first.status === 'pending' && first.nextAttemptAt <= now ? first : undefined;
}

/** Whether `next` may share a statement with `group`: no row a unit changes in place twice. */
export function canJoinGroup(group: readonly UnitToCommit[], next: UnitToCommit): boolean {
  const keys = unitKeys(next.unit);
  return !group.some((other) => unitKeys(other.unit).some((key) => keys.includes(key)));
}

/** The rows a commit unit changes in place (one statement may change each only once). */
function unitKeys(unit: CommitUnit): string[] {
  return [
    `c:${unit.conversationId}`,
    ...(unit.contact ? [`p:${unit.contact.id}`] : []),
    ...unit.timersSet.map((timer) => `t:${timer.id}`),
    ...unit.timersCancelled.map((id) => `t:${id}`),
    ...unit.inboxDone.map((id) => `i:${id}`),
  ];
}
