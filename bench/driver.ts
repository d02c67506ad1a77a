import type { RecordedMessage, SimulatedUserMessage, Simulator } from '@parley/simulator';
import { percentile } from './stats.js';

/** One turn of a scripted conversation: what the user sends and how many bot messages answer it. */
export interface Turn {
  send: SimulatedUserMessage;
  replies: number;
}

export interface LoadResult {
  repliesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  ackP50Ms: number;
  ackP99Ms: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  replies: number;
  durationS: number;
}

/** A stable fingerprint of what the user saw, to compare every user against a golden run. */
export function fingerprint(message: RecordedMessage): string {
  const p = message.payload as {
    type?: string;
    text?: { body?: string };
    interactive?: { type?: string; body?: { text?: string } };
  };
  if (p.type === 'text') return `text:${String(p.text?.body).slice(0, 40)}`;
  if (p.type === 'interactive')
    return `${p.interactive?.type}:${String(p.interactive?.body?.text).slice(0, 40)}`;
  return String(p.type);
}

const botMessages = (sim: Simulator, userId: string) =>
  sim.conversation(userId).filter((m) => m.direction === 'bot');

/**
 * Closed loop: `users` simulated people, `inFlight` at a time, each holding a real conversation:
 * send, wait for the bot's answer to reach the simulator, send the next.
 */
export async function runClosedLoop(options: {
  sim: Simulator;
  phoneNumberId: string;
  users: number;
  inFlight: number;
  script: Turn[];
  /** Expected fingerprints of one full conversation (from a golden run); checks order. */
  golden?: string[];
  userPrefix: string;
  replyTimeoutMs?: number;
}): Promise<LoadResult> {
  const { sim, script } = options;
  const latencies: number[] = [];
  const acks: number[] = [];
  let lost = 0;
  let nextUser = 0;
  const started = performance.now();
  const userIds: string[] = [];

  async function worker(): Promise<void> {
    for (;;) {
      const index = nextUser++;
      if (index >= options.users) return;
      const waId = `${options.userPrefix}${String(index).padStart(6, '0')}`;
      userIds.push(waId);
      for (const turn of script) {
        const t0 = performance.now();
        const sent = await sim.userSends({ waId, name: 'Bench' }, turn.send, {
          phoneNumberId: options.phoneNumberId,
        });
        acks.push(performance.now() - t0);
        if (sent.status !== 200) {
          lost += turn.replies;
          break;
        }
        try {
          await sim.waitForReplies(waId, turn.replies, options.replyTimeoutMs ?? 30_000);
          latencies.push(performance.now() - t0);
        } catch {
          lost += turn.replies;
          break;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: options.inFlight }, () => worker()));
  const durationS = (performance.now() - started) / 1000;

  // Late duplicates would arrive after the loop: give them a moment before counting.
  await new Promise((r) => setTimeout(r, 1_500));
  const expectedPerUser = script.reduce((n, t) => n + t.replies, 0);
  let duplicates = 0;
  let outOfOrder = 0;
  let replies = 0;
  for (const userId of userIds) {
    const seen = botMessages(sim, userId);
    replies += Math.min(seen.length, expectedPerUser);
    if (seen.length > expectedPerUser) duplicates += seen.length - expectedPerUser;
    if (options.golden) {
      const prints = seen.map(fingerprint);
      if (prints.slice(0, options.golden.length).some((p, i) => p !== options.golden![i])) outOfOrder += 1;
    }
  }
  return {
    repliesPerSecond: Math.round(replies / durationS),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    ackP50Ms: percentile(acks, 50),
    ackP99Ms: percentile(acks, 99),
    lost,
    duplicates,
    outOfOrder,
    replies,
    durationS: Math.round(durationS * 10) / 10,
  };
}

/**
 * Open loop: a fixed offered rate of first messages from new users for `seconds`, whatever the
 * server does — latency then measures service time, not a queue the driver built itself.
 */
export async function runOpenLoop(options: {
  sim: Simulator;
  phoneNumberId: string;
  ratePerSecond: number;
  seconds: number;
  turn: Turn;
  userPrefix: string;
}): Promise<LoadResult> {
  const { sim, turn } = options;
  const total = Math.round(options.ratePerSecond * options.seconds);
  const latencies: number[] = [];
  const acks: number[] = [];
  let lost = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / options.ratePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const waId = `${options.userPrefix}${String(i).padStart(6, '0')}`;
    pending.push(
      (async () => {
        const t0 = performance.now();
        const sent = await sim.userSends({ waId, name: 'Bench' }, turn.send, {
          phoneNumberId: options.phoneNumberId,
        });
        acks.push(performance.now() - t0);
        if (sent.status !== 200) {
          lost += turn.replies;
          return;
        }
        try {
          await sim.waitForReplies(waId, turn.replies, 30_000);
          latencies.push(performance.now() - t0);
        } catch {
          lost += turn.replies;
        }
      })(),
    );
  }
  await Promise.all(pending);
  const durationS = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 1_500));
  let duplicates = 0;
  let replies = 0;
  for (let i = 0; i < total; i += 1) {
    const seen = botMessages(sim, `${options.userPrefix}${String(i).padStart(6, '0')}`).length;
    replies += Math.min(seen, turn.replies);
    if (seen > turn.replies) duplicates += seen - turn.replies;
  }
  return {
    repliesPerSecond: Math.round(replies / durationS),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    ackP50Ms: percentile(acks, 50),
    ackP99Ms: percentile(acks, 99),
    lost,
    duplicates,
    outOfOrder: 0,
    replies,
    durationS: Math.round(durationS * 10) / 10,
  };
}
