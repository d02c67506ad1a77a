import type { CommitUnit } from '@parley/flow';
import type { PostgresDb } from './PostgresDb.js';

/** One SQL statement and its parameters. */
export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * Builds a commit unit as ONE statement (data-modifying CTEs): one round trip and one implicit
 * transaction instead of BEGIN, five to ten statements and COMMIT. The conversation write (the
 * revision check) comes first as `conv`; every other write is guarded by `EXISTS (SELECT 1 FROM conv)`,
 * so on a conflict nothing is written. The statement returns `changed` (0 on a conflict).
 * @example const { text, values } = commitUnitStatement(db, unit, Date.now());
 */
export function commitUnitStatement(db: PostgresDb, unit: CommitUnit, now: number): Statement {
  const values: unknown[] = [];
  const ctes = commitUnitCtes(db, unit, now, values, '');
  return {
    text: `WITH ${ctes.join(',\n')}\nSELECT count(*)::int AS changed FROM conv`,
    values,
  };
}

/**
 * Several commit units (of different conversations) as ONE statement: one round trip and one
 * WAL flush for all. Each unit keeps its own revision check and guard (`conv0`, `conv1`, …), so a
 * conflicting unit writes nothing while the others commit. Returns rows `(k, changed)`, k being the
 * unit's index. Units must not share a conversation, contact, timer or inbox id (a statement
 * changes a row once).
 * @example const { text, values } = commitUnitsStatement(db, [unitA, unitB], Date.now());
 */
export function commitUnitsStatement(db: PostgresDb, units: readonly CommitUnit[], now: number): Statement {
  const values: unknown[] = [];
  const ctes = units.flatMap((unit, k) => commitUnitCtes(db, unit, now, values, String(k)));
  const counts = units.map((_, k) => `SELECT ${k} AS k, count(*)::int AS changed FROM conv${k}`);
  return { text: `WITH ${ctes.join(',\n')}\n${counts.join('\nUNION ALL ')}`, values };
}

/** The CTEs of one unit, named with `suffix`; parameters are appended to `values`. */
function commitUnitCtes(
  db: PostgresDb,
  unit: CommitUnit,
  now: number,
  values: unknown[],
  suffix: string,
): string[] {
  const $ = (value: unknown) => `$${values.push(value)}`;
  const ctes: string[] = [];
  const { conversation, expectedRevision } = unit;
  const id = $(unit.conversationId);

  if (conversation) {
    const params = [
      $(conversation.phoneNumberId),
      $(conversation.userId),
      $(conversation.botId),
      $(conversation.status),
      $(conversation.revision),
      $(conversation.updatedAt),
      `${$(JSON.stringify(db.sealConversation(conversation)))}::jsonb`,
    ];
    ctes.push(
      expectedRevision === null
        ? `conv${suffix} AS (INSERT INTO conversations (id, phone_number_id, user_id, bot_id, status, revision, updated_at, data)
             VALUES (${id}, ${params.join(', ')}) ON CONFLICT (id) DO NOTHING RETURNING 1)`
        : `conv${suffix} AS (UPDATE conversations SET phone_number_id = ${params[0]}, user_id = ${params[1]}, bot_id = ${params[2]},
             status = ${params[3]}, revision = ${params[4]}, updated_at = ${params[5]}, data = ${params[6]}
             WHERE id = ${id} AND revision = ${$(expectedRevision)} RETURNING 1)`,
    );
  } else {
    ctes.push(
      expectedRevision === null
        ? `conv${suffix} AS (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM conversations WHERE id = ${id}))`
        : `conv${suffix} AS (DELETE FROM conversations WHERE id = ${id} AND revision = ${$(expectedRevision)} RETURNING 1)`,
    );
  }
  const guard = `EXISTS (SELECT 1 FROM conv${suffix})`;

  if (unit.contact) {
    const contact = unit.contact;
    ctes.push(
      `contact${suffix} AS (INSERT INTO contacts (id, contact_name, last_seen_at, data)
         SELECT ${$(contact.id)}::text, ${$(db.codec.contentEncryption ? null : (contact.name ?? null))}::text,
           ${$(contact.lastUserMessageAt ?? contact.firstSeenAt)}::bigint, ${$(JSON.stringify(db.sealContact(contact)))}::jsonb
         WHERE ${guard}
         ON CONFLICT (id) DO UPDATE SET contact_name = EXCLUDED.contact_name, last_seen_at = EXCLUDED.last_seen_at, data = EXCLUDED.data)`,
    );
  }

  if (unit.outbox.length > 0) {
    const rows = unit.outbox;
    ctes.push(
      `outbox_rows${suffix} AS (INSERT INTO outbox (id, conversation_id, seq, status, next_attempt_at, wamid, updated_at, data)
         SELECT * FROM unnest(${$(rows.map((r) => r.id))}::text[], ${$(rows.map((r) => r.conversationId))}::text[],
           ${$(rows.map((r) => r.seq))}::int[], ${$(rows.map((r) => r.status))}::text[],
           ${$(rows.map((r) => r.nextAttemptAt))}::bigint[], ${$(rows.map((r) => r.wamid ?? null))}::text[],
           ${$(rows.map((r) => r.updatedAt))}::bigint[], ${$(rows.map((r) => JSON.stringify(db.sealOutbox(r))))}::jsonb[])
         WHERE ${guard}
         ON CONFLICT (id) DO NOTHING)`,
    );
  }

  if (unit.transcript.length > 0) {
    const entries = unit.transcript;
    // ORDER BY n: `position` (the tie-breaker of equal times) follows the unit's order.
    ctes.push(
      `transcript_rows${suffix} AS (INSERT INTO transcript (id, conversation_id, at, data)
         SELECT id, conversation_id, at, data
         FROM unnest(${$(entries.map((e) => e.id))}::text[], ${$(entries.map((e) => e.conversationId))}::text[],
           ${$(entries.map((e) => e.at))}::bigint[], ${$(entries.map((e) => JSON.stringify(db.sealTranscript(e))))}::jsonb[])
           WITH ORDINALITY AS t(id, conversation_id, at, data, n)
         WHERE ${guard}
         ORDER BY n
         ON CONFLICT (id) DO NOTHING)`,
    );
  }

  // A timer set again replaces the stored one (lease cleared); an upsert does that in one step.
  const timersSet = [...new Map(unit.timersSet.map((timer) => [timer.id, timer])).values()];
  const setIds = new Set(timersSet.map((timer) => timer.id));
  const cancelled = [...new Set(unit.timersCancelled)].filter((timerId) => !setIds.has(timerId));
  if (cancelled.length > 0) {
    ctes.push(
      `timers_cancelled${suffix} AS (DELETE FROM timers WHERE id = ANY(${$(cancelled)}::text[]) AND ${guard})`,
    );
  }
  if (timersSet.length > 0) {
    ctes.push(
      `timers_set${suffix} AS (INSERT INTO timers (id, conversation_id, due_at, data)
         SELECT * FROM unnest(${$(timersSet.map((t) => t.id))}::text[], ${$(timersSet.map((t) => t.conversationId))}::text[],
           ${$(timersSet.map((t) => t.dueAt))}::bigint[], ${$(timersSet.map((t) => JSON.stringify(t)))}::jsonb[])
         WHERE ${guard}
         ON CONFLICT (id) DO UPDATE SET conversation_id = EXCLUDED.conversation_id, due_at = EXCLUDED.due_at,
           data = EXCLUDED.data, lease_owner = NULL, lease_until = NULL)`,
    );
  }

  if (unit.inboxDone.length > 0) {
    // Ids never appended (a synthetic event) are recorded too: the dedupe covers them.
    ctes.push(
      `inbox_done${suffix} AS (INSERT INTO inbox (id, conversation_id, received_at, status)
         SELECT id, ${id}::text, ${$(now)}::bigint, 'done' FROM unnest(${$([...new Set(unit.inboxDone)])}::text[]) AS id
         WHERE ${guard}
         ON CONFLICT (id) DO UPDATE SET status = 'done', lease_owner = NULL, lease_until = NULL)`,
    );
  }

  return ctes;
}
