// What every load counts — replies, acks, latencies, lost, duplicated and out-of-order — and the
// result it sums up to: shared by the closed and open loops (driver.ts) and the paced
// conversations (pacedConversations.ts).
import type { SimulatedUserMessage } from '@parley/simulator';
import { sharedNowMs } from './clock.js';
import type { BenchEvent } from './simulatorProcess.js';
import { percentile } from './stats.js';

type AckEvent = Extract<BenchEvent, { 0: 'a' }>;

/** One turn of a scripted conversation: what the user sends and how many bot messages answer it. */
export interface Turn {
  send: SimulatedUserMessage;
  replies: number;
}

export interface LoadResult {
  repliesPerSecond: number;
  /** Webhook POST start to the turn's last reply at the simulator (both stamped there). */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Time-to-200 of the webhook POSTs. */
  ackP50Ms: number;
  ackP99Ms: number;
  /** Expected replies that never arrived (by the end of the run, its grace or drain included). */
  lost: number;
  /** Replies beyond the expected count. */
  duplicates: number;
  /** Users whose replies differ from the golden conversation (order or content). */
  outOfOrder: number;
  replies: number;
  /** Webhook POSTs the server did not answer with 200. */
  webhookFailures: number;
  /** The same by HTTP status (0: no answer, the connection failed). */
  webhookFailuresByStatus: Record<string, number>;
  durationS: number;
  /**
   * Closed loops: replies/s in the slowest whole 5 s after the first and before the last user
   * started (warm-up and ramp-down left out); far below the mean, the run slowed down on the way.
   */
  slowestWindowRepliesPerSecond?: number | null;
  /** Why a run ended early or fell behind, for the report; absent when it went as planned. */
  problem?: string;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long a run keeps counting after its last expected reply, so late duplicates show. */
export const DUPLICATE_GRACE_MS = 1_500;

/** Replies received, lost and duplicated, and users whose replies came out of order. */
export function countReplies<U extends { got: number; mismatch?: boolean }>(
  users: Iterable<U>,
  expected: (user: U) => number,
): { replies: number; lost: number; duplicates: number; outOfOrder: number } {
  const counts = { replies: 0, lost: 0, duplicates: 0, outOfOrder: 0 };
  for (const user of users) {
    const want = expected(user);
    counts.replies += Math.min(user.got, want);
    counts.lost += Math.max(0, want - user.got);
    counts.duplicates += Math.max(0, user.got - want);
    if (user.mismatch) counts.outOfOrder += 1;
  }
  return counts;
}

/**
 * Once an open loop stops offering: waits up to `drainMs` for `isDone`, then, when everything
 * came, the duplicate grace. Resolves whether everything came.
 */
export async function drainOffered(isDone: () => boolean, drainMs: number): Promise<boolean> {
  const drainUntil = sharedNowMs() + drainMs;
  while (!isDone() && sharedNowMs() < drainUntil) await sleep(50);
  const drained = isDone();
  if (drained) await sleep(DUPLICATE_GRACE_MS);
  return drained;
}

export interface Tally {
  latencies: number[];
  acks: number[];
  webhookFailures: number;
  webhookFailuresByStatus: Record<string, number>;
}

export const newTally = (): Tally => ({
  latencies: [],
  acks: [],
  webhookFailures: 0,
  webhookFailuresByStatus: {},
});

/**
 * A webhook's answer reached the simulator: its time-to-200, and where the user's turn starts.
 * A failure is counted by status; the simulator redelivers it, like Meta, so the answer may still
 * come (a user is given up only at its deadline or the drain's end).
 */
export function recordAck(tally: Tally, user: { t0: number; acked: boolean }, event: AckEvent): void {
  const [, , status, t0, t1] = event;
  tally.acks.push(t1 - t0);
  user.t0 = t0;
  user.acked = true;
  if (status === 200) return;
  tally.webhookFailures += 1;
  tally.webhookFailuresByStatus[status] = (tally.webhookFailuresByStatus[status] ?? 0) + 1;
}

/** A bot message reached a user: counted, and compared with the golden conversation's in order. */
export function recordReply(
  user: { got: number; mismatch: boolean },
  print: string,
  golden: string[] | undefined,
): void {
  if (golden && user.got < golden.length && golden[user.got] !== print) user.mismatch = true;
  user.got += 1;
}

export function summary(
  tally: Tally,
  counts: { replies: number; lost: number; duplicates: number; outOfOrder: number },
  durationMs: number,
  problem?: string,
): LoadResult {
  return {
    repliesPerSecond: Math.round(counts.replies / (durationMs / 1000)),
    p50Ms: percentile(tally.latencies, 50),
    p95Ms: percentile(tally.latencies, 95),
    p99Ms: percentile(tally.latencies, 99),
    maxMs: percentile(tally.latencies, 100),
    ackP50Ms: percentile(tally.acks, 50),
    ackP99Ms: percentile(tally.acks, 99),
    ...counts,
    webhookFailures: tally.webhookFailures,
    webhookFailuresByStatus: tally.webhookFailuresByStatus,
    durationS: round1(durationMs / 1000),
    ...(problem ? { problem } : {}),
  };
}
