/** Closed set of codes for the store's unexpected failures. */
export type StoreErrorCode =
  | 'store.locked'
  | 'store.not_initialized'
  | 'store.corrupt_document'
  | 'store.migration_failed'
  | 'crypto.bad_key'
  | 'crypto.decrypt_failed'
  | 'crypto.unknown_key';

/** Base class of every error the store throws; `code` is stable, `message` is for a person. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** A second server process on the same data folder. */
export class StoreLockedError extends StoreError {
  readonly pid: number;
  constructor(pid: number, dataDir: string) {
    super(
      'store.locked',
      `Another Parley server (pid ${pid}) is using ${dataDir}. Stop it or set DATA_DIR to another folder.`,
    );
    this.name = 'StoreLockedError';
    this.pid = pid;
  }
}

/** Ciphertext that was tampered with, moved to another record, or sealed with an unknown key. */
export class DecryptError extends StoreError {
  constructor(
    code: 'crypto.decrypt_failed' | 'crypto.unknown_key',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'DecryptError';
  }
}
