import type {
  CommitUnit,
  ContactRecord,
  ConversationRecord,
  ConversationStatus,
  DeliveryStatus,
  ChannelError,
  FlowVersionRecord,
  InboxRecord,
  OutboxRecord,
  TimerRecord,
  TranscriptEntry,
} from '@parley/flow';
import type { AuditEntry, ApiTokenRecord, BotRecord, SessionRecord, UserRecord } from './records.js';

/**
 * The one seam for state. Two implementations pass one conformance suite: the lowdb document
 * store (embedded default) and the PostgreSQL store (several server instances on one database).
 * Every method is async; every returned record is a copy the caller may keep.
 */
export interface Store {
  /** Open connections, apply migrations, rebuild in-memory indexes. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<boolean>;
  /**
   * How many server instances share this store, this one included: Meta's per-number rate is
   * shared between them. Absent: one (the embedded store allows one server per folder).
   */
  countInstances?(): Promise<number>;

  // ── inbox: durable, deduplicated inbound events ──────────────────────────────
  /** Appends events; returns the ids that were new (duplicates by id are ignored). Durable when it resolves. */
  appendInbox(records: InboxRecord[]): Promise<string[]>;
  /**
   * Claims up to `limit` pending inbox rows for `owner` until `leaseUntil`, at most one
   * conversation's rows per claim group, oldest first, skipping conversations another owner
   * holds a live lease on. Rows of one conversation are returned in arrival order.
   * The claim also leases each returned conversation to `owner` until `leaseUntil`: meanwhile no
   * other owner gets any of its rows, while `owner` itself gets rows that arrive later. A row
   * already leased (to anyone) is not returned again before its lease expires.
   */
  claimInbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<InboxRecord[]>;
  /**
   * Extends the owner's leases on conversations it is still working on, and on its claimed pending
   * rows of them, to `leaseUntil` (a heartbeat, so leases can be short yet outlast slow events).
   * A lease another owner has taken over is left alone. Returns the conversation ids renewed.
   */
  renewInboxClaims(owner: string, conversationIds: string[], leaseUntil: number): Promise<string[]>;
  /**
   * Releases the owner's leases, on the given conversations (it has finished with them) or on all
   * (shutdown), and its claims on their pending rows, so another instance can take them at once.
   */
  releaseInboxClaims(owner: string, conversationIds?: string[]): Promise<void>;
  /** Marks rows done outside a commit unit (status events, unknown numbers). */
  markInboxDone(ids: string[]): Promise<void>;
  /**
   * Calls `listener` soon after another process (another instance) appended inbox rows, so its
   * rows are claimed at once rather than at the next poll. Best effort: a notification can be lost
   * (a dropped connection), so workers keep polling as a backstop. Absent where one process owns
   * the store. Returns the unsubscribe.
   */
  onInboxAppended?(listener: () => void): () => void;

  // ── the engine's commit unit ─────────────────────────────────────────────────
  /**
   * Writes a commit unit atomically. Returns `conflict` when `expectedRevision` no longer
   * matches (another worker moved the conversation on); nothing is written then.
   * `expectedRevision: null` means "no conversation exists": a conflict if one does. Ids in
   * `inboxDone` are recorded as done even if they were never appended, so they deduplicate too.
   * With `options.claimFor`, the store may write the unit's first new outbox row already claimed
   * (`sending`, leased as `claimOutbox` leases) when `claimOutbox` would hand it out at once: no
   * earlier row of the conversation unsent, and due. It returns such rows in `claimed`; a store
   * that claims nothing is correct too (the dispatcher's next claim takes the row).
   */
  commit(unit: CommitUnit, options?: CommitOptions): Promise<CommitResult>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  listConversations(filter: ConversationFilter): Promise<{ items: ConversationRecord[]; total: number }>;
  countConversations(): Promise<number>;

  // ── contacts ──────────────────────────────────────────────────────────────────
  getContact(id: string): Promise<ContactRecord | null>;
  upsertContact(contact: ContactRecord): Promise<void>;

  // ── transcript ────────────────────────────────────────────────────────────────
  listTranscript(
    conversationId: string,
    options?: { afterAt?: number; limit?: number },
  ): Promise<TranscriptEntry[]>;
  appendTranscript(entries: TranscriptEntry[]): Promise<void>;

  // ── outbox: what the dispatcher sends ────────────────────────────────────────
  /**
   * Claims the next sendable row of up to `limit` conversations: per conversation only the lowest
   * `seq` that is not yet sent, only when no earlier row of that conversation is still `sending`
   * or `pending`, and only when `nextAttemptAt <= now`. Claimed rows become `sending` with a lease.
   */
  claimOutbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRecord[]>;
  /**
   * Records a send attempt's outcome or a delivery status and frees the lease; true when the row
   * was written, false when there is no such row (or `claimedBy` no longer holds). Only the answer:
   * the row is not read back (`getOutbox` reads it). `transcript`: entries of the row's
   * conversation written with the update (none when it was not written).
   */
  updateOutbox(id: string, patch: OutboxPatch, transcript?: TranscriptEntry[]): Promise<boolean>;
  getOutbox(id: string): Promise<OutboxRecord | null>;
  findOutboxByWamid(wamid: string): Promise<OutboxRecord | null>;
  listOutbox(conversationId: string): Promise<OutboxRecord[]>;
  /** Rows `sending` whose lease expired (a crashed sender): back to `pending` for reconciliation. */
  recoverExpiredOutbox(now: number): Promise<number>;
  /** Rows not yet sent: `pending`, plus `sending` ones whose outcome is not known yet. */
  countPendingOutbox(): Promise<number>;

  // ── durable timers ───────────────────────────────────────────────────────────
  /** Claims timers due at `now` (each fires once: a claimed timer is removed or leased). */
  claimDueTimers(owner: string, now: number, leaseUntil: number, limit: number): Promise<TimerRecord[]>;
  /** Deletes a fired timer. */
  deleteTimer(id: string): Promise<void>;
  nextTimerDueAt(): Promise<number | null>;

  // ── flows: published versions ────────────────────────────────────────────────
  /** Numbers the version (last + 1) unless the hash equals the latest, which is returned as is. */
  publishFlowVersion(record: Omit<FlowVersionRecord, 'version'>): Promise<FlowVersionRecord>;
  getFlowVersion(flowId: string, version: number): Promise<FlowVersionRecord | null>;
  getLatestFlowVersion(flowId: string): Promise<FlowVersionRecord | null>;
  listFlowVersions(flowId: string): Promise<FlowVersionRecord[]>;

  // ── bots ─────────────────────────────────────────────────────────────────────
  listBots(): Promise<BotRecord[]>;
  getBot(id: string): Promise<BotRecord | null>;
  getBotByPhoneNumberId(phoneNumberId: string): Promise<BotRecord | null>;
  saveBot(bot: BotRecord): Promise<void>;
  deleteBot(id: string): Promise<void>;

  // ── users, sessions, API tokens, audit ───────────────────────────────────────
  listUsers(): Promise<UserRecord[]>;
  getUserByEmail(email: string): Promise<UserRecord | null>;
  getUser(id: string): Promise<UserRecord | null>;
  saveUser(user: UserRecord): Promise<void>;
  saveSession(session: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | null>;
  deleteSession(idHash: string): Promise<void>;
  saveApiToken(token: ApiTokenRecord): Promise<void>;
  getApiTokenByHash(hash: string): Promise<ApiTokenRecord | null>;
  listApiTokens(): Promise<ApiTokenRecord[]>;
  deleteApiToken(id: string): Promise<void>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(options?: { limit?: number }): Promise<AuditEntry[]>;

  // ── privacy ──────────────────────────────────────────────────────────────────
  /** Everything held about a contact (all conversations of its key, transcripts, outbox rows, timers). */
  exportContact(contactId: string): Promise<ContactExport | null>;
  /** Erases a contact: conversations, transcripts, inbox, outbox rows, timers and the contact itself. */
  eraseContact(contactId: string): Promise<{ erased: boolean }>;
  /** Deletes transcripts, done inbox rows, finished outbox rows and idle contacts' phone numbers older than `before`. */
  purgeOlderThan(before: number): Promise<PurgeReport>;
}

export interface CommitOptions {
  /** The sender that will send a row claimed with the commit, and until when its lease holds. */
  claimFor?: { owner: string; leaseUntil: number };
}

export type CommitResult =
  | {
      ok: true;
      /** Rows claimed with the commit for `claimFor` (see `Store.commit`). */
      claimed?: OutboxRecord[];
    }
  | { ok: false; reason: 'conflict' };

export interface ConversationFilter {
  botId?: string;
  status?: ConversationStatus;
  /** Substring of the user id or contact name. */
  contact?: string;
  limit?: number;
  offset?: number;
}

export interface OutboxPatch {
  status?: OutboxRecord['status'];
  attempts?: number;
  nextAttemptAt?: number;
  wamid?: string;
  lastError?: ChannelError;
  /** Set with a delivery status update from a webhook. */
  deliveryStatus?: DeliveryStatus;
  /**
   * Fence: apply only while the row is still `sending` under this owner's claim; otherwise change
   * nothing and return null. A sender's outcome (retry, failure, hand-back) must not overwrite a
   * status webhook that settled the row meanwhile (on any instance), nor a claim that expired and
   * was taken over.
   */
  claimedBy?: string;
}

export interface ContactExport {
  contact: ContactRecord;
  conversations: ConversationRecord[];
  transcripts: TranscriptEntry[];
  outbox: OutboxRecord[];
  timers: TimerRecord[];
}

export interface PurgeReport {
  transcriptEntries: number;
  inboxRows: number;
  outboxRows: number;
  conversations: number;
  contacts: number;
}
