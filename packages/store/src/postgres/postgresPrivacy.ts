import type { TimerRecord } from '@parley/flow';
import type { ContactExport, PurgeReport } from '../Store.js';
import { syntheticContact } from '../syntheticContact.js';
import type { PostgresDb } from './PostgresDb.js';

type Data = { data: Record<string, unknown> };

/** Everything held about one contact (its conversation key), opened. */
export async function exportContactRows(db: PostgresDb, contactId: string): Promise<ContactExport | null> {
  const q = <T>(sql: string) => db.pool.query<T & object>(sql, [contactId]).then((result) => result.rows);
  const [conversations, contacts, transcript, outbox, timers] = await Promise.all([
    q<Data>('SELECT data FROM conversations WHERE id = $1'),
    q<Data>('SELECT data FROM contacts WHERE id = $1'),
    q<Data>('SELECT data FROM transcript WHERE conversation_id = $1 ORDER BY at, position'),
    q<Data>('SELECT data FROM outbox WHERE conversation_id = $1 ORDER BY seq'),
    q<{ data: TimerRecord }>('SELECT data FROM timers WHERE conversation_id = $1 ORDER BY due_at'),
  ]);
  const conversation = conversations[0] ? db.openConversation(conversations[0].data) : null;
  const contact = contacts[0] ? db.openContact(contacts[0].data) : syntheticContact(contactId, conversation);
  if (!contact) return null;
  return {
    contact,
    conversations: conversation ? [conversation] : [],
    transcripts: transcript.map((row) => db.openTranscript(row.data)),
    outbox: outbox.map((row) => db.openOutbox(row.data)),
    timers: timers.map((row) => row.data),
  };
}

/** Deletes every row of a contact in one transaction. Dead tuples stay until VACUUM; backups age out (README). */
export async function eraseContactRows(db: PostgresDb, contactId: string): Promise<{ erased: boolean }> {
  return db.tx(async (client) => {
    let count = 0;
    for (const sql of [
      'DELETE FROM conversations WHERE id = $1',
      'DELETE FROM contacts WHERE id = $1',
      'DELETE FROM transcript WHERE conversation_id = $1',
      'DELETE FROM outbox WHERE conversation_id = $1',
      'DELETE FROM timers WHERE conversation_id = $1',
      'DELETE FROM inbox WHERE conversation_id = $1',
      'DELETE FROM conversation_leases WHERE conversation_id = $1',
    ]) {
      count += (await client.query(sql, [contactId])).rowCount ?? 0;
    }
    return { erased: count > 0 };
  });
}

/**
 * Retention: idle conversations (nothing scheduled, to send or to process, contact idle too) go
 * whole with their contact; elsewhere old transcript entries, finished outbox rows and done inbox rows.
 */
export async function purgeRows(db: PostgresDb, before: number): Promise<PurgeReport> {
  return db.tx(async (client) => {
    const report: PurgeReport = {
      transcriptEntries: 0,
      inboxRows: 0,
      outboxRows: 0,
      conversations: 0,
      contacts: 0,
    };
    const idle = await client.query<{ id: string }>(
      `SELECT k.id FROM (
         SELECT id FROM conversations WHERE updated_at < $1
         UNION SELECT id FROM contacts WHERE last_seen_at < $1 AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = contacts.id)
       ) k
       WHERE NOT EXISTS (SELECT 1 FROM contacts ct WHERE ct.id = k.id AND ct.last_seen_at >= $1)
         AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.conversation_id = k.id)
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.conversation_id = k.id AND o.status IN ('pending', 'sending'))
         AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.conversation_id = k.id AND i.status = 'pending')`,
      [before],
    );
    const ids = idle.rows.map((row) => row.id);
    const count = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rowCount ?? 0;
    if (ids.length > 0) {
      report.conversations += await count('DELETE FROM conversations WHERE id = ANY($1::text[])', [ids]);
      report.contacts += await count('DELETE FROM contacts WHERE id = ANY($1::text[])', [ids]);
      report.transcriptEntries += await count(
        'DELETE FROM transcript WHERE conversation_id = ANY($1::text[])',
        [ids],
      );
      report.outboxRows += await count('DELETE FROM outbox WHERE conversation_id = ANY($1::text[])', [ids]);
      report.inboxRows += await count('DELETE FROM inbox WHERE conversation_id = ANY($1::text[])', [ids]);
      await count('DELETE FROM conversation_leases WHERE conversation_id = ANY($1::text[])', [ids]);
    }
    report.transcriptEntries += await count('DELETE FROM transcript WHERE at < $1', [before]);
    report.outboxRows += await count(
      `DELETE FROM outbox WHERE status NOT IN ('pending', 'sending') AND updated_at < $1`,
      [before],
    );
    report.inboxRows += await count(`DELETE FROM inbox WHERE status = 'done' AND received_at < $1`, [before]);
    await count('DELETE FROM sessions WHERE expires_at < $1', [before]);
    return report;
  });
}
