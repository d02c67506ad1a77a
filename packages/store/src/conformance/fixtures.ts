import type {
  CommitUnit,
  ContactRecord,
  ConversationRecord,
  InboxRecord,
  OutboxRecord,
  TimerRecord,
  TranscriptEntry,
} from '@parley/flow';

/** Test records with readable defaults; every test overrides what it checks. */
export const PHONE_NUMBER_ID = '1055';

export function conversationId(userId: string): string {
  return `${PHONE_NUMBER_ID}:${userId}`;
}

export function makeConversation(
  userId: string,
  overrides: Partial<ConversationRecord> = {},
): ConversationRecord {
  return {
    id: conversationId(userId),
    phoneNumberId: PHONE_NUMBER_ID,
    userId,
    botId: 'bot-1',
    flowId: 'flow-1',
    flowVersion: 1,
    flowHash: 'hash-1',
    status: 'waiting',
    nodeId: 'ask-name',
    snapshot: { value: 'ask-name', context: { secretSnapshotWord: 'snapshot-platypus' } },
    vars: { favouriteFruit: 'vars-durian' },
    startedAt: 1_000,
    updatedAt: 1_000,
    lastUserMessageAt: 1_000,
    revision: 1,
    ...overrides,
  };
}

export function makeContact(userId: string, overrides: Partial<ContactRecord> = {}): ContactRecord {
  return {
    id: conversationId(userId),
    phoneNumberId: PHONE_NUMBER_ID,
    userId,
    waId: userId,
    name: 'Contact Quetzal',
    optedOut: false,
    firstSeenAt: 1_000,
    lastUserMessageAt: 1_000,
    ...overrides,
  };
}

export function makeInbox(userId: string, id: string, text: string, receivedAt = 1_000): InboxRecord {
  return {
    id,
    conversationId: conversationId(userId),
    receivedAt,
    status: 'pending',
    attempts: 0,
    event: {
      type: 'user.message',
      key: { phoneNumberId: PHONE_NUMBER_ID, userId },
      contact: { waId: userId, name: 'Contact Quetzal' },
      message: { type: 'text', id, timestamp: receivedAt, text },
    },
  };
}

export function makeOutbox(
  userId: string,
  id: string,
  seq: number,
  text: string,
  overrides: Partial<OutboxRecord> = {},
): OutboxRecord {
  return {
    id,
    conversationId: conversationId(userId),
    phoneNumberId: PHONE_NUMBER_ID,
    recipient: userId,
    seq,
    message: { type: 'text', text },
    status: 'pending',
    attempts: 0,
    nextAttemptAt: 1_000,
    deadlineAt: 1_000 + 86_400_000,
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  };
}

export function makeTranscript(userId: string, id: string, at: number, text: string): TranscriptEntry {
  return {
    id,
    conversationId: conversationId(userId),
    at,
    direction: 'in',
    inbound: { type: 'text', id: `wamid.${id}`, timestamp: at, text },
  };
}

export function makeTimer(userId: string, id: string, dueAt: number): TimerRecord {
  return {
    id,
    conversationId: conversationId(userId),
    dueAt,
    purpose: 'delay',
    nodeId: 'wait',
    createdAt: 1_000,
  };
}

/** A commit unit that starts (expectedRevision null) or moves on a conversation. */
export function makeUnit(conversation: ConversationRecord, overrides: Partial<CommitUnit> = {}): CommitUnit {
  return {
    conversationId: conversation.id,
    conversation,
    expectedRevision: conversation.revision > 1 ? conversation.revision - 1 : null,
    outbox: [],
    transcript: [],
    timersSet: [],
    timersCancelled: [],
    inboxDone: [],
    ...overrides,
  };
}
