import type { OutboxRecord, TranscriptEntry } from '@parley/flow';
import type { DispatcherOutboxPatch, DispatcherStore } from '../dispatch/createDispatcher.js';

/** An in-memory outbox with the Store's claim semantics, for the dispatcher's tests. */
export interface MemoryOutbox extends DispatcherStore {
  rows: Map<string, OutboxRecord>;
  leases: Map<string, { owner: string; until: number }>;
  transcript: TranscriptEntry[];
  add(row: OutboxRecord): void;
}

const RANK: Record<OutboxRecord['status'], number> = {
  pending: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  played: 5,
  failed: 6,
};
const ACTIVE = new Set<OutboxRecord['status']>(['pending', 'sending']);

/**
 * Creates the in-memory outbox. Per conversation only the lowest `seq` still pending or sending is
 * considered, and only when it is pending and due — the Store interface's documented contract.
 * @example const store = createMemoryOutbox(); store.add(row); await dispatcher.tick();
 */
export function createMemoryOutbox(): MemoryOutbox {
  const rows = new Map<string, OutboxRecord>();
  const leases = new Map<string, { owner: string; until: number }>();
  const transcript: TranscriptEntry[] = [];
  const copy = (row: OutboxRecord): OutboxRecord => structuredClone(row);
  // As the Store does: an entry id is written once.
  const addEntries = (entries: TranscriptEntry[]) => {
    for (const entry of entries)
      if (!transcript.some((stored) => stored.id === entry.id)) transcript.push(structuredClone(entry));
  };
  return {
    rows,
    leases,
    transcript,
    add(row) {
      rows.set(row.id, copy(row));
    },
    async claimOutbox(owner, now, leaseUntil, limit) {
      const byConversation = new Map<string, OutboxRecord[]>();
      for (const row of rows.values()) {
        if (!ACTIVE.has(row.status)) continue;
        const list = byConversation.get(row.conversationId) ?? [];
        list.push(row);
        byConversation.set(row.conversationId, list);
      }
      const claimed: OutboxRecord[] = [];
      const heads = [...byConversation.values()]
        .map((list) => list.sort((a, b) => a.seq - b.seq)[0])
        .filter((row): row is OutboxRecord => row !== undefined)
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt);
      for (const head of heads) {
        if (claimed.length >= limit) break;
        if (head.status !== 'pending' || head.nextAttemptAt > now) continue;
        head.status = 'sending';
        head.updatedAt = now;
        leases.set(head.id, { owner, until: leaseUntil });
        claimed.push(copy(head));
      }
      return claimed;
    },
    async updateOutbox(id, patch: DispatcherOutboxPatch, entries = []) {
      const row = rows.get(id);
      if (!row) return false;
      const { deliveryStatus, claimedBy, ...fields } = patch;
      if (claimedBy !== undefined && (row.status !== 'sending' || leases.get(id)?.owner !== claimedBy))
        return false;
      addEntries(entries);
      Object.assign(row, fields);
      // As the Store does: a delivery status only moves a row forward; `failed` wins before delivery.
      if (deliveryStatus === 'failed') {
        if (RANK[row.status] < RANK.delivered) row.status = 'failed';
      } else if (deliveryStatus !== undefined) {
        if (row.status === 'failed' ? deliveryStatus !== 'sent' : RANK[deliveryStatus] > RANK[row.status])
          row.status = deliveryStatus;
      }
      leases.delete(id);
      return true;
    },
    async getOutbox(id) {
      const row = rows.get(id);
      return row ? copy(row) : null;
    },
    async findOutboxByWamid(wamid) {
      for (const row of rows.values()) if (row.wamid === wamid) return copy(row);
      return null;
    },
    async recoverExpiredOutbox(now) {
      let count = 0;
      for (const row of rows.values()) {
        const lease = leases.get(row.id);
        if (row.status === 'sending' && lease && lease.until <= now) {
          row.status = 'pending';
          leases.delete(row.id);
          count += 1;
        }
      }
      return count;
    },
    async appendTranscript(entries) {
      addEntries(entries);
    },
  };
}

let counter = 0;
/** A pending text row, due now, with a one-day deadline. */
export function outboxRow(
  init: Partial<OutboxRecord> & { conversationId?: string; seq?: number } = {},
): OutboxRecord {
  counter += 1;
  const conversationId = init.conversationId ?? '1055:15557654321';
  const [phoneNumberId = '1055', recipient = '15557654321'] = conversationId.split(':');
  return {
    id: `out-${counter}`,
    conversationId,
    phoneNumberId,
    recipient,
    seq: 0,
    message: { type: 'text', text: `message ${counter}` },
    status: 'pending',
    attempts: 0,
    nextAttemptAt: 0,
    deadlineAt: 86_400_000,
    createdAt: 0,
    updatedAt: 0,
    ...init,
  };
}
