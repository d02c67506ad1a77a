import type {
  CommitUnit,
  ContactRecord,
  ConversationRecord,
  FlowVersionRecord,
  OutboxRecord,
  TimerRecord,
  TranscriptEntry,
} from '@parley/flow';
import type { EngineBot, EngineStore } from '../engine/EngineStore.js';

/** A bot as the memory store keeps it. */
export interface MemoryBot extends EngineBot {
  phoneNumberId: string;
}

/**
 * An in-memory store for tests, the flow-test runner and the bench: the engine's read view plus
 * atomic commit units (with the revision check), published versions, bots and due timers.
 */
export interface MemoryEngineStore extends EngineStore {
  commit(unit: CommitUnit): Promise<{ ok: true } | { ok: false; reason: 'conflict' }>;
  /** Numbers the version (last + 1) unless the hash equals the latest, which is returned as is. */
  publishFlowVersion(record: Omit<FlowVersionRecord, 'version'>): Promise<FlowVersionRecord>;
  /** Removes a published version (to test conversations on a version that is gone). */
  deleteFlowVersion(flowId: string, version: number): void;
  saveBot(bot: MemoryBot): void;
  /** Removes and returns the timers due at `now`, earliest first (each fires once). */
  claimDueTimers(now: number): TimerRecord[];
  nextTimerDueAt(): number | null;
  listTimers(conversationId?: string): TimerRecord[];
  listTranscript(conversationId: string): TranscriptEntry[];
  listOutbox(conversationId: string): OutboxRecord[];
  listConversations(): ConversationRecord[];
}

/** Options of the memory store. */
export interface MemoryEngineStoreOptions {
  /** Copy records on the way in and out, as a real store does. @default true */
  clone?: boolean;
  /** Keep transcript and outbox rows (the bench turns this off to measure the engine). @default true */
  keepHistory?: boolean;
}

/**
 * Creates the in-memory engine store.
 * @example
 * const store = createMemoryEngineStore();
 * store.saveBot({ id: 'bot', phoneNumberId: '1055', flowId: 'welcome', flowVersion: 'latest' });
 */
export function createMemoryEngineStore(options: MemoryEngineStoreOptions = {}): MemoryEngineStore {
  const copy: <T>(value: T) => T =
    options.clone === false ? (value) => value : (value) => structuredClone(value);
  const keepHistory = options.keepHistory ?? true;
  const conversations = new Map<string, ConversationRecord>();
  const contacts = new Map<string, ContactRecord>();
  const versions = new Map<string, FlowVersionRecord[]>();
  const bots = new Map<string, MemoryBot>();
  const timers = new Map<string, TimerRecord>();
  const transcripts = new Map<string, TranscriptEntry[]>();
  const outboxes = new Map<string, OutboxRecord[]>();

  const append = <T>(map: Map<string, T[]>, key: string, rows: T[]) => {
    if (!keepHistory || rows.length === 0) return;
    const list = map.get(key) ?? [];
    for (const row of rows) list.push(copy(row));
    map.set(key, list);
  };

  return {
    async getConversation(id) {
      const found = conversations.get(id);
      return found ? copy(found) : null;
    },
    async getContact(id) {
      const found = contacts.get(id);
      return found ? copy(found) : null;
    },
    async getFlowVersion(flowId, version) {
      return versions.get(flowId)?.find((record) => record.version === version) ?? null;
    },
    async getLatestFlowVersion(flowId) {
      const list = versions.get(flowId);
      return list?.[list.length - 1] ?? null;
    },
    async getBotByPhoneNumberId(phoneNumberId) {
      return bots.get(phoneNumberId) ?? null;
    },
    async commit(unit) {
      const current = conversations.get(unit.conversationId);
      const revision = current ? current.revision : null;
      if (revision !== unit.expectedRevision) return { ok: false, reason: 'conflict' };
      if (unit.conversation) conversations.set(unit.conversationId, copy(unit.conversation));
      else conversations.delete(unit.conversationId);
      if (unit.contact) contacts.set(unit.contact.id, copy(unit.contact));
      append(transcripts, unit.conversationId, unit.transcript);
      append(outboxes, unit.conversationId, unit.outbox);
      for (const id of unit.timersCancelled) timers.delete(id);
      for (const timer of unit.timersSet) timers.set(timer.id, copy(timer));
      return { ok: true };
    },
    async publishFlowVersion(record) {
      const list = versions.get(record.flowId) ?? [];
      const latest = list[list.length - 1];
      if (latest && latest.hash === record.hash) return latest;
      const published: FlowVersionRecord = { ...record, version: (latest?.version ?? 0) + 1 };
      list.push(published);
      versions.set(record.flowId, list);
      return published;
    },
    deleteFlowVersion(flowId, version) {
      versions.set(
        flowId,
        (versions.get(flowId) ?? []).filter((record) => record.version !== version),
      );
    },
    saveBot(bot) {
      bots.set(bot.phoneNumberId, { ...bot });
    },
    claimDueTimers(now) {
      const due = [...timers.values()]
        .filter((timer) => timer.dueAt <= now)
        .sort((a, b) => a.dueAt - b.dueAt);
      for (const timer of due) timers.delete(timer.id);
      return due;
    },
    nextTimerDueAt() {
      let next: number | null = null;
      for (const timer of timers.values()) if (next === null || timer.dueAt < next) next = timer.dueAt;
      return next;
    },
    listTimers(conversationId) {
      return [...timers.values()].filter(
        (timer) => conversationId === undefined || timer.conversationId === conversationId,
      );
    },
    listTranscript(conversationId) {
      return transcripts.get(conversationId) ?? [];
    },
    listOutbox(conversationId) {
      return outboxes.get(conversationId) ?? [];
    },
    listConversations() {
      return [...conversations.values()];
    },
  };
}
