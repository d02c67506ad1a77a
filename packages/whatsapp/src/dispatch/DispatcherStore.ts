import type { ChannelError, DeliveryStatus, OutboxRecord, TranscriptEntry } from '@parley/flow';

/** The outbox change a dispatcher writes; structurally the Store's `OutboxPatch`. */
export interface DispatcherOutboxPatch {
  status?: OutboxRecord['status'];
  attempts?: number;
  nextAttemptAt?: number;
  wamid?: string;
  lastError?: ChannelError;
  deliveryStatus?: DeliveryStatus;
  /** Apply only while the row is still `sending` under this owner's claim (else null). */
  claimedBy?: string;
}

/** The Store methods the dispatcher uses (same names and shapes as `@parley/store`'s Store). */
export interface DispatcherStore {
  claimOutbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRecord[]>;
  /** Whether the row was written; `transcript`: entries of its conversation written with it. */
  updateOutbox(id: string, patch: DispatcherOutboxPatch, transcript?: TranscriptEntry[]): Promise<boolean>;
  getOutbox(id: string): Promise<OutboxRecord | null>;
  findOutboxByWamid(wamid: string): Promise<OutboxRecord | null>;
  recoverExpiredOutbox(now: number): Promise<number>;
  appendTranscript(entries: TranscriptEntry[]): Promise<void>;
}
