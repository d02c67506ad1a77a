// Diagnostics for a reply the phone got more than once: was it one outbox row sent twice (and by
// whom, when, after what) or two rows? Printed by the fault tests next to their figures.
import type { Simulator } from '@parley/simulator';
import { conversationDetail } from './adminApi.js';
import { textOf } from './faultRig.js';
import type { SendAttempt } from './graphProxy.js';

interface OutboxView {
  id: string;
  status: string;
  attempts: number;
  wamid?: string;
  seq: number;
  createdAt: number;
  lastError?: { code?: number; title?: string; message?: string };
}
interface TranscriptView {
  at: number;
  code?: string;
  outboxId?: string;
  status?: string;
  text?: string;
}

/** One line per copy and per attempt, relative to `t0` (ms); the store's view when `baseUrl` answers. */
export async function duplicateDetails(input: {
  sim: Simulator;
  userId: string;
  text: string;
  sends: SendAttempt[];
  t0: number;
  /** A live server to read the conversation's outbox and transcript from. */
  baseUrl?: string;
}): Promise<Record<string, unknown>> {
  const { sim, userId, text, t0 } = input;
  const rel = (at: number) => at - t0;
  const copies = sim
    .conversation(userId)
    .filter((m) => m.direction === 'bot' && textOf(m) === text)
    .map((m) => ({
      at: rel(m.at),
      outboxId: m.callbackData,
      wamid: m.wamid,
      statuses: m.statuses?.map((s) => `${s.status}@${rel(s.at)}`).join(','),
    }));
  const outboxIds = new Set(copies.map((c) => c.outboxId).filter((id): id is string => !!id));
  const key = `${userId}|${text}`;
  const attempts = input.sends
    .filter((a) => a.key === key || (a.callbackData !== undefined && outboxIds.has(a.callbackData)))
    .map((a) => ({
      tag: a.tag,
      outboxId: a.callbackData,
      at: rel(a.startedAt),
      tookMs: a.endedAt ? a.endedAt - a.startedAt : 'no answer',
      status: a.status,
      wamid: a.wamid,
    }));
  let store: unknown;
  if (input.baseUrl) {
    try {
      const detail = (await conversationDetail(input.baseUrl, userId)) as
        { outbox: OutboxView[]; transcript: TranscriptView[] } | undefined;
      store = detail && {
        rows: detail.outbox
          .filter((row) => outboxIds.has(row.id))
          .map((row) => ({
            id: row.id,
            seq: row.seq,
            status: row.status,
            attempts: row.attempts,
            wamid: row.wamid,
            createdAt: rel(row.createdAt),
            lastError:
              row.lastError && `${row.lastError.code} ${row.lastError.title ?? row.lastError.message ?? ''}`,
          })),
        transcript: detail.transcript
          .filter((entry) => entry.outboxId !== undefined && outboxIds.has(entry.outboxId))
          .map((entry) => `${rel(entry.at)} ${entry.code ?? ''} ${entry.status ?? ''}`.trim()),
      };
    } catch (error) {
      store = `unavailable: ${(error as Error).message}`;
    }
  }
  return { user: userId, text, copies, attempts, store };
}
