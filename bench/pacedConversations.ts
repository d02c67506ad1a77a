import { sharedNowMs } from './clock.js';
import {
  countReplies,
  drainOffered,
  newTally,
  recordAck,
  recordReply,
  sleep,
  summary,
  type LoadResult,
  type Turn,
} from './tally.js';
import type { SimulatorClient } from './simulatorClient.js';
import type { BenchEvent } from './simulatorProcess.js';
import { percentile } from './stats.js';

interface PacedUser {
  waId: string;
  /** Start times of the user's turns on the schedule (`turnGapMs` apart). */
  due: number[];
  /** The turn sent last (-1 before the first). */
  turn: number;
  /** The turn waiting for the previous one's answer, if its time came before that answer. */
  held: boolean;
  acked: boolean;
  t0: number;
  /** When each reply since this turn was sent arrived (its answers are those after `t0`). */
  turnReplies: number[];
  turnDone: boolean;
  got: number;
  mismatch: boolean;
}

/**
 * Open loop over whole conversations: new users start at `ratePerSecond / script.length` a second
 * and each sends its turns `turnGapMs` apart, so `ratePerSecond` messages a second arrive in the
 * steady state, most of them later turns of conversations under way — what a business's traffic
 * looks like, where `runOpenLoop` offers first messages only. The rate does not depend on the
 * server, except that a user never answers a message it has not received: a turn whose time comes
 * before the previous turn's answer waits for it (that lateness shows in `sendLagP99Ms`). When
 * the schedule ends, turns still unanswered after `drainMs` are lost. The simulator's script must
 * be `script.map((t) => t.send)`.
 */
export async function runPacedConversations(options: {
  sim: SimulatorClient;
  ratePerSecond: number;
  seconds: number;
  script: Turn[];
  /** Expected fingerprints of one full conversation (from a golden run); checks order. */
  golden?: string[];
  userPrefix: string;
  turnGapMs: number;
  drainMs?: number;
}): Promise<LoadResult & { offeredPerSecond: number; sendLagP99Ms: number }> {
  const { sim, script, golden } = options;
  const drainMs = options.drainMs ?? 10_000;
  const userCount = Math.max(1, Math.round((options.ratePerSecond * options.seconds) / script.length));
  const startEvery = script.length * (1000 / options.ratePerSecond);
  const tally = newTally();
  const lags: number[] = [];
  const users = new Map<string, PacedUser>();
  const started = sharedNowMs();
  for (let i = 0; i < userCount; i += 1) {
    const waId = `${options.userPrefix}${String(i).padStart(6, '0')}`;
    const first = started + i * startEvery;
    users.set(waId, {
      waId,
      due: script.map((_, turn) => first + turn * options.turnGapMs),
      turn: -1,
      held: false,
      acked: false,
      t0: 0,
      turnReplies: [],
      turnDone: true,
      got: 0,
      mismatch: false,
    });
  }
  // Every message's place on the schedule, in time order.
  const schedule = [...users.values()]
    .flatMap((user) => user.due.map((due, turn) => ({ due, user, turn })))
    .sort((a, b) => a.due - b.due);
  const total = schedule.length;
  let sent = 0;
  let answered = 0;
  let lastReplyAt = 0;

  const send = (user: PacedUser) => {
    user.turn += 1;
    user.held = false;
    user.acked = false;
    user.turnReplies = [];
    user.turnDone = false;
    sent += 1;
    sim.send(user.waId, user.turn);
  };
  const settle = (user: PacedUser) => {
    if (user.turnDone || !user.acked) return;
    // A reply stamped before this turn's webhook left answers an earlier turn (as in runClosedLoop).
    const answers = user.turnReplies.filter((at) => at >= user.t0);
    const need = script[user.turn]!.replies;
    if (answers.length < need) return;
    tally.latencies.push(answers[need - 1]! - user.t0);
    user.turnDone = true;
    answered += 1;
    if (user.held) send(user);
  };
  sim.onEvent((event: BenchEvent) => {
    const user = users.get(event[1]);
    if (!user) return;
    if (event[0] === 'a') {
      recordAck(tally, user, event);
      lags.push(user.t0 - user.due[user.turn]!);
      settle(user);
      return;
    }
    const [, , print, at] = event;
    recordReply(user, print, golden);
    lastReplyAt = Math.max(lastReplyAt, at);
    if (user.turnDone) return;
    user.turnReplies.push(at);
    settle(user);
  });

  for (let next = 0; next < total;) {
    const now = sharedNowMs();
    for (; next < total && schedule[next]!.due <= now; next += 1) {
      const { user } = schedule[next]!;
      if (user.turnDone) send(user);
      else user.held = true;
    }
    // Ticks of at least 5 ms, as in runOpenLoop.
    if (next < total) await sleep(Math.max(5, schedule[next]!.due - sharedNowMs()));
  }
  const offeredMs = sharedNowMs() - started;
  const drained = await drainOffered(() => answered === total, drainMs);
  // Turns never sent (held behind an unanswered one) are lost with that one's missing replies.
  const scriptReplies = script.reduce((sum, turn) => sum + turn.replies, 0);
  const counts = countReplies(users.values(), () => scriptReplies);
  const durationMs = (drained ? lastReplyAt : sharedNowMs()) - started;
  const offeredPerSecond = Math.round(sent / (offeredMs / 1000));
  const servedPerSecond = Math.round(answered / (durationMs / 1000));
  const problem = !drained
    ? `the server fell behind: ${total - answered} of ${total} turns still unanswered ${drainMs / 1000} s after the schedule ended`
    : servedPerSecond < 0.9 * offeredPerSecond
      ? `the server fell behind: it answered ${servedPerSecond} messages/s of ${offeredPerSecond}/s offered, so the latency is mostly queueing`
      : undefined;
  return {
    ...summary(tally, counts, durationMs, problem),
    offeredPerSecond,
    sendLagP99Ms: percentile(lags, 99),
  };
}
