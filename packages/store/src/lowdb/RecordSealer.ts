import type { ContactRecord, ConversationRecord, OutboxRecord, TranscriptEntry } from '@parley/flow';
import type { FieldCodec } from '../crypto/FieldCodec.js';
import { aadFor, openFields, sealFields, sealedFieldsOf } from '../crypto/sealFields.js';
import type { ConversationDocument, StoredRecord } from './conversationDocument.js';

/**
 * The one place of the lowdb store that knows which fields of which record are sensitive: records
 * are sealed (encrypted when content encryption is on) as they go into a document and opened as
 * they come out, each bound to its id so a sealed field moved to another record does not open.
 */
export class RecordSealer {
  readonly codec: FieldCodec;

  constructor(codec: FieldCodec) {
    this.codec = codec;
  }

  sealConversation(record: ConversationRecord): StoredRecord {
    return sealFields(
      this.codec,
      record,
      sealedFieldsOf.conversation,
      aadFor.conversation(record.id),
    ) as StoredRecord;
  }
  openConversation(stored: StoredRecord | null): ConversationRecord | null {
    return stored ? openFields<ConversationRecord>(this.codec, stored, aadFor.conversation(stored.id)) : null;
  }
  sealContact(record: ContactRecord): StoredRecord {
    return sealFields(this.codec, record, sealedFieldsOf.contact, aadFor.contact(record.id)) as StoredRecord;
  }
  openContact(stored: StoredRecord | null): ContactRecord | null {
    return stored ? openFields<ContactRecord>(this.codec, stored, aadFor.contact(stored.id)) : null;
  }
  sealTranscript(entry: TranscriptEntry): StoredRecord {
    return sealFields(
      this.codec,
      entry,
      sealedFieldsOf.transcript,
      aadFor.transcript(entry.id),
    ) as StoredRecord;
  }
  openTranscript(stored: StoredRecord): TranscriptEntry {
    return openFields<TranscriptEntry>(this.codec, stored, aadFor.transcript(stored.id));
  }
  sealOutbox(row: OutboxRecord): StoredRecord {
    return sealFields(this.codec, row, sealedFieldsOf.outbox, aadFor.outbox(row.id)) as StoredRecord;
  }
  /**
   * Seals `row`, a change (a claim, an outcome) of the row `stored` opened to as `opened`. While
   * its sealed fields are the very values opened, `stored`'s ciphertext is kept: sealing afresh
   * cost an encryption per claim and per status, and a new ciphertext journaled the whole message
   * again each time (the journal otherwise holds only the fields that changed).
   */
  resealOutbox(row: OutboxRecord, opened: OutboxRecord, stored: StoredRecord): StoredRecord {
    const content = stored.$content;
    if (
      content === undefined ||
      !this.codec.contentEncryption ||
      row.message !== opened.message ||
      row.lastError !== opened.lastError
    )
      return this.sealOutbox(row);
    const { message: _message, lastError: _lastError, ...clear } = row;
    return { ...clear, $content: content };
  }
  /**
   * Opens a document's conversation and outbox rows and drops the result: throws as a read would
   * when one was tampered with or moved from another record. The indexes read only fields left in
   * the clear, so indexing alone checks nothing (the contact is opened for its name anyway).
   */
  checkSealed(doc: ConversationDocument): void {
    this.openConversation(doc.conversation);
    for (const row of doc.outbox) this.openOutbox(row);
  }

  openOutbox(stored: StoredRecord): OutboxRecord {
    const { leaseOwner: _owner, leaseUntil: _until, ...rest } = stored;
    // `rest` is a copy already: a plain row needs no second one.
    if (!('$content' in rest)) return rest as OutboxRecord;
    return openFields<OutboxRecord>(this.codec, rest, aadFor.outbox(stored.id));
  }
}
