import type { PreviewEvent } from '../http/services.js';

/** One live preview chat: a simulated user on a preview number running a draft. */
export interface PreviewSession {
  id: string;
  /** The flow id of the draft (where "save as test" writes). */
  flowId: string;
  /** Set when the chat runs from a chosen node instead of the start (cannot be saved as a test). */
  startNodeId?: string;
  phoneNumberId: string;
  userId: string;
  events: PreviewEvent[];
  nextSeq: number;
  waiters: Set<() => void>;
  lastUsedAt: number;
  ownerId: string;
}

/** Appends an event and wakes every long-poll waiting on the session. */
export function pushPreviewEvent(session: PreviewSession, event: Omit<PreviewEvent, 'seq'>): void {
  session.events.push({ ...event, seq: session.nextSeq++ });
  // A long preview keeps only its recent history in memory.
  if (session.events.length > 2_000) session.events.splice(0, session.events.length - 2_000);
  for (const wake of session.waiters) wake();
  session.waiters.clear();
}
