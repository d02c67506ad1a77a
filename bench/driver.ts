import { sharedNowMs } from './clock.js';
import type { SimulatorClient } from './simulatorClient.js';
import type { BenchEvent } from './simulatorProcess.js';
import { percentile, slowestWindow, WINDOW_S } from './stats.js';
import {
  countReplies,
  DUPLICATE_GRACE_MS,
  drainOffered,
  newTally,
  recordAck,
  recordReply,
  sleep,
  summary,
  type LoadResult,
  type Turn,
} from './tally.js';

interface ClosedUser {
  waId: string;
  turn: number;
  /** When each reply since the current turn was sent arrived; all replies received. */
  turnReplies: number[];
  got: number;
  /** Replies the turns sent so far should produce. */
  expected: number;
  acked: boolean;
  t0: number;
  deadline: number;
  active: boolean;
  mismatch: boolean;
}

/**
 * Closed loop: `users` simulated people, `inFlight` at a time, each holding a real conversation:
 * send, wait for the 200 and the bot's answer at the simulator, send the next. The simulator's
 * script must be `script.map((t) => t.send)`. A webhook not answered 200 is counted, and the
 * simulator redelivers it (bench/simulatorProcess.ts); a user stuck past `replyTimeoutMs` is given
 * up, its missing replies lost; when no reply arrives at all for `stallMs` the run stops early and
 * says so.
 */
export async function runClosedLoop(options: {
  sim: SimulatorClient;
  users: number;
  inFlight: number;
  script: Turn[];
  /** Expected fingerprints of one full conversation (from a golden run); checks order. */
  golden?: string[];
  userPrefix: string;
  replyTimeoutMs?: number;
  stallMs?: number;
}): Promise<LoadResult> {
  const { sim, script, golden } = options;
  const replyTimeoutMs = options.replyTimeoutMs ?? 30_000;
  const stallMs = options.stallMs ?? 30_000;
  const tally = newTally();
  const users = new Map<string, ClosedUser>();
  const active = new Set<ClosedUser>();
  let nextIndex = 0;
  let lastProgress = sharedNowMs();
  let problem: string | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const replyTimes: number[] = [];
  // Until the last user starts, `inFlight` users are always waiting; the ramp-down after is slower by design.
  let lastStartedAt: number | undefined;

  const sendTurn = (user: ClosedUser) => {
    user.acked = false;
    user.turnReplies = [];
    user.expected += script[user.turn]!.replies;
    user.deadline = sharedNowMs() + replyTimeoutMs;
    sim.send(user.waId, user.turn);
  };
  const startNext = () => {
    if (problem || nextIndex >= options.users) return;
    const waId = `${options.userPrefix}${String(nextIndex++).padStart(6, '0')}`;
    if (nextIndex === options.users) lastStartedAt = sharedNowMs();
    const user: ClosedUser = {
      waId,
      turn: 0,
      turnReplies: [],
      got: 0,
      expected: 0,
      acked: false,
      t0: 0,
      deadline: 0,
      active: true,
      mismatch: false,
    };
    users.set(waId, user);
    active.add(user);
    sendTurn(user);
  };
  const finish = (user: ClosedUser) => {
    user.active = false;
    active.delete(user);
    startNext();
    if (active.size === 0) finished();
  };
  const advance = (user: ClosedUser) => {
    if (!user.active || !user.acked) return;
    // A reply stamped before this turn's webhook left answers an earlier turn (a duplicate or a
    // straggler): it counts for the totals, not as this turn's answer.
    const answers = user.turnReplies.filter((at) => at >= user.t0);
    const need = script[user.turn]!.replies;
    if (answers.length < need) return;
    tally.latencies.push(answers[need - 1]! - user.t0);
    user.turn += 1;
    if (user.turn < script.length) sendTurn(user);
    else finish(user);
  };

  sim.onEvent((event: BenchEvent) => {
    const user = users.get(event[1]);
    if (!user) return;
    if (event[0] === 'a') {
      // A failed one comes again: the latency counts from the first attempt.
      recordAck(tally, user, event);
      advance(user);
      return;
    }
    const [, , print, at] = event;
    recordReply(user, print, golden);
    replyTimes.push(at);
    lastProgress = sharedNowMs();
    if (!user.active) return;
    user.turnReplies.push(at);
    advance(user);
  });

  const started = sharedNowMs();
  for (let i = 0; i < options.inFlight; i += 1) startNext();
  if (active.size === 0) finished();
  const watchdog = setInterval(() => {
    const now = sharedNowMs();
    if (now - lastProgress > stallMs) {
      problem = `no reply for ${stallMs / 1000} s: stopped with ${options.users - nextIndex} users not run`;
      for (const user of [...active]) finish(user);
      return;
    }
    for (const user of [...active]) if (now > user.deadline) finish(user);
  }, 250);
  await done;
  clearInterval(watchdog);
  const ended = sharedNowMs();
  await sleep(DUPLICATE_GRACE_MS);

  const counts = countReplies(users.values(), (user) => user.expected);
  return {
    ...summary(tally, counts, ended - started, problem),
    // The first window is warm-up (the JIT, new connections, every user's first turn at once).
    slowestWindowRepliesPerSecond: slowestWindow(
      replyTimes,
      started + WINDOW_S * 1000,
      lastStartedAt ?? ended,
    ),
  };
}

interface OpenUser {
  due: number;
  got: number;
  acked: boolean;
  t0: number;
  lastReplyAt: number;
  complete: boolean;
}

/**
 * Open loop: a fixed offered rate of first messages from new users for `seconds`, whatever the
 * server does — latency then measures service time, not a queue the driver built itself. When
 * offering ends, replies still missing after `drainMs` are lost and the run says the server fell
 * behind. `sendLagP99Ms` is how late the simulator started webhooks against the schedule (the
 * shared clock makes the driver's due times and the simulator's stamps comparable).
 */
export async function runOpenLoop(options: {
  sim: SimulatorClient;
  ratePerSecond: number;
  seconds: number;
  /** The simulator's script must be `[turn.send]`. */
  turn: Turn;
  userPrefix: string;
  drainMs?: number;
}): Promise<LoadResult & { offeredPerSecond: number; sendLagP99Ms: number }> {
  const { sim, turn } = options;
  const total = Math.round(options.ratePerSecond * options.seconds);
  const drainMs = options.drainMs ?? 10_000;
  const tally = newTally();
  const lags: number[] = [];
  const users = new Map<string, OpenUser>();
  let completed = 0;
  let lastReplyAt = 0;

  const complete = (user: OpenUser) => {
    if (user.complete || !user.acked || user.got < turn.replies) return;
    user.complete = true;
    completed += 1;
    tally.latencies.push(user.lastReplyAt - user.t0);
  };
  sim.onEvent((event: BenchEvent) => {
    const user = users.get(event[1]);
    if (!user) return;
    if (event[0] === 'a') {
      recordAck(tally, user, event);
      lags.push(user.t0 - user.due);
      complete(user);
      return;
    }
    user.got += 1;
    user.lastReplyAt = event[3];
    lastReplyAt = Math.max(lastReplyAt, event[3]);
    complete(user);
  });

  const started = sharedNowMs();
  const interval = 1000 / options.ratePerSecond;
  let sent = 0;
  while (sent < total) {
    const now = sharedNowMs();
    for (; sent < total && started + sent * interval <= now; sent += 1) {
      const waId = `${options.userPrefix}${String(sent).padStart(6, '0')}`;
      users.set(waId, {
        due: started + sent * interval,
        got: 0,
        acked: false,
        t0: 0,
        lastReplyAt: 0,
        complete: false,
      });
      sim.send(waId, 0);
    }
    // Ticks of at least 5 ms: the sends due in one tick share one control request (the simulator
    // stamps each webhook's real start, and `sendLagP99Ms` shows how far that drifts).
    await sleep(Math.max(5, started + sent * interval - sharedNowMs()));
  }
  const offeredMs = sharedNowMs() - started;

  const drained = await drainOffered(() => completed === total, drainMs);
  const counts = countReplies(users.values(), () => turn.replies);
  const durationMs = (drained ? lastReplyAt : sharedNowMs()) - started;
  const offeredPerSecond = Math.round(total / (offeredMs / 1000));
  const servedPerSecond = Math.round(completed / (durationMs / 1000));
  const problem = !drained
    ? `the server fell behind: ${counts.lost} of ${total * turn.replies} replies still missing ${drainMs / 1000} s after offering stopped`
    : servedPerSecond < 0.9 * offeredPerSecond
      ? `the server fell behind: it answered ${servedPerSecond} messages/s of ${offeredPerSecond}/s offered, so the latency is mostly queueing`
      : undefined;
  return {
    ...summary(tally, counts, durationMs, problem),
    offeredPerSecond,
    sendLagP99Ms: percentile(lags, 99),
  };
}

/**
 * One user holds the whole conversation alone, turn by turn; what they saw is the golden run
 * every user of the closed loop is compared against. The simulator's script must be
 * `script.map((t) => t.send)`.
 */
export async function recordConversation(
  sim: SimulatorClient,
  waId: string,
  script: Turn[],
  timeoutMs = 30_000,
): Promise<string[]> {
  const prints: string[] = [];
  for (let turn = 0; turn < script.length; turn += 1) {
    const want = prints.length + script[turn]!.replies;
    let acked = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`golden run: turn ${turn} got ${prints.length} of ${want} replies`)),
        timeoutMs,
      );
      const check = () => {
        if (!acked || prints.length < want) return;
        clearTimeout(timer);
        resolve();
      };
      sim.onEvent((event) => {
        if (event[1] !== waId) return;
        if (event[0] === 'a') {
          if (event[2] !== 200) reject(new Error(`golden run: the webhook was answered ${event[2]}`));
          acked = true;
        } else prints.push(event[2]);
        check();
      });
      sim.send(waId, turn);
    });
  }
  return prints;
}
