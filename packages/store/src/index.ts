export { createStore } from './createStore.js';
export { createLowdbStore } from './lowdb/createLowdbStore.js';
export { createPostgresStore } from './postgres/createPostgresStore.js';
export { migrations } from './postgres/migrations.js';
export { createCipher } from './crypto/createCipher.js';
export { parseEncryptionKey, parseKeyring } from './crypto/parseEncryptionKey.js';
export { loadOrCreateLocalKey, LOCAL_KEY_FILE } from './crypto/loadOrCreateLocalKey.js';
export { createFieldCodec, isSealedValue } from './crypto/FieldCodec.js';
export { aadFor } from './crypto/sealFields.js';
export { AtomicJsonFile, writeFileAtomic } from './lowdb/AtomicJsonFile.js';
export { applyOutboxPatch, isUnsentOutbox, FINISHED_OUTBOX_STATUSES } from './applyOutboxPatch.js';
export { StoreError, StoreLockedError, DecryptError } from './errors.js';
export { silentLogger, systemClock } from './types.js';
export {
  botRecordSchema,
  roleSchema,
  userRecordSchema,
  sessionRecordSchema,
  apiTokenRecordSchema,
  auditEntrySchema,
} from './records.js';
export type {
  Store,
  CommitOptions,
  CommitResult,
  ConversationFilter,
  OutboxPatch,
  ContactExport,
  PurgeReport,
} from './Store.js';
export type { BotRecord, Role, UserRecord, SessionRecord, ApiTokenRecord, AuditEntry } from './records.js';
export type { StoreConfig, CreatedStore } from './createStore.js';
export type { LowdbStoreOptions } from './lowdb/createLowdbStore.js';
export type { PostgresStoreOptions } from './postgres/createPostgresStore.js';
export type { Migration } from './postgres/migrations.js';
export type { Cipher, EncryptionKey } from './crypto/createCipher.js';
export type { FieldCodec, SealedValue } from './crypto/FieldCodec.js';
export type { StoreErrorCode } from './errors.js';
export type { StoreLogger, StoreClock } from './types.js';
