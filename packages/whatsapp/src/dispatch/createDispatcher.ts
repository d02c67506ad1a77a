import { randomUUID } from 'node:crypto';
import type { OutboxRecord } from '@parley/flow';
import { silentLogger } from '../ports.js';
import { computeBackoff } from './computeBackoff.js';
import type { ClaimOffer, Dispatcher, DispatcherOptions, TickReport } from './Dispatcher.js';
import { createKeyedLock } from './createKeyedLock.js';
import { createOutboxOutcomes } from './createOutboxOutcomes.js';
import { createOutboxSender } from './createOutboxSender.js';
import { createRateLimiter } from './createRateLimiter.js';
import { createTickLoop } from './createTickLoop.js';
import { createStatusApplier } from './createStatusApplier.js';

export type { DispatcherOutboxPatch, DispatcherStore } from './DispatcherStore.js';

export type {
  ApplyStatusResult,
  ClaimOffer,
  Dispatcher,
  DispatcherOptions,
  TickReport,
} from './Dispatcher.js';

const emptyReport = (): TickReport => ({
  claimed: 0,
  sent: 0,
  retried: 0,
  failed: 0,
  deferred: 0,
  nextDueAt: null,
});

/**
 * Creates the outbox dispatcher. Its loop claims rows whenever it has room and never waits for a
 * batch to finish: each send completes on its own and wakes the loop (the conversation's next row
 * may now be due). Rows held back by the rate limiter stay claimed in memory until their slot.
 * @example
 * const dispatcher = createDispatcher({ store, graph: () => client, owner: 'server-1' });
 * dispatcher.start(); // and `dispatcher.applyStatus(event)` for each `message.status` from the inbox
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, owner } = options;
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.log ?? silentLogger;
  const leaseMs = options.leaseMs ?? 30_000;
  const batchSize = options.batchSize ?? 50;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 256);
  const idleMs = options.idleMs ?? 1000;
  const backoff = { baseMs: options.retry?.baseMs ?? 1000, maxMs: options.retry?.maxMs ?? 300_000 };
  const limiter = createRateLimiter(options.rate);
  const deadlineOf = (row: OutboxRecord) =>
    options.retry?.deadlineMs !== undefined
      ? Math.min(row.deadlineAt, row.createdAt + options.retry.deadlineMs)
      : row.deadlineAt;
  const graceMs = options.ambiguousGraceMs ?? 60_000;
  // Measured in the crash soak: under a webhook backlog the status of a send accepted just before a
  // kill -9 arrived 40-50 s later, after the 30 s lease; recovering at the lease resent it blindly.
  const reconcileMs = Math.max(0, graceMs - leaseMs);
  // Recovery is a cheap indexed update; checked often, so a dead sender's rows wait no longer than needed.
  const recoverEveryMs = Math.min(leaseMs / 2, 5_000);
  /**
   * How close a rate-limit slot must be for a claimed row to wait for it in memory: a little over
   * the number's one-second window (the next window's sends stay in hand, a longer backlog not).
   */
  const holdMs = Math.min(1_500, leaseMs / 4);
  /** At most a second's worth of sends held (the limiter does not book later slots: more would just wait again). */
  const maxHeld = limiter.perNumberPerSecond;
  const outcomes = createOutboxOutcomes({
    store,
    limiter,
    clock,
    random,
    ids: options.ids ?? randomUUID,
    log,
    backoff,
    graceMs,
    deadlineOf,
    onCredentialsError: options.onCredentialsError,
    onAttempt: options.onAttempt,
  });
  const { fail, handleSendError } = outcomes;
  let lastRecoverAt = -Infinity;
  let lastSweepAt = -Infinity;

  /** Serialises the send result and status webhooks of one row inside this process. */
  const withRowLock = createKeyedLock();
  /** Conversations with a send in flight here: never two messages of one conversation at once. */
  const sendingConversations = new Set<string>();
  /**
   * Rows whose send is in flight here (their count is the in-flight bound's use): a status webhook
   * for one of them came before the send's answer, it did not reconcile a lost answer (see
   * createStatusApplier).
   */
  const sendingRows = new Set<string>();
  const running = new Set<Promise<void>>();
  /** Offers made and not yet taken back: each may bring a claimed row, so each holds a place. */
  let offered = 0;
  let started = false;
  let stopping = false;
  /**
   * Claimed rows waiting for a rate-limit slot, kept (and leased) here instead of being written
   * back and claimed again: no store churn while a number or a pair is paced.
   */
  const held = new Map<string, { row: OutboxRecord; retryAt: number; claimedAt: number }>();

  // Every write a sender makes about a row it claimed is fenced on that claim (`claimedBy`): a
  // status webhook (any instance) that settled the row meanwhile, or another instance that took
  // it over after the lease, wins; a retry written over either would send the message again.
  const claim = { claimedBy: owner };

  const send = createOutboxSender({
    store,
    graph: options.graph,
    owner,
    withRowLock,
    handleSendError,
    entries: outcomes.entries,
    clock,
    log,
    quoteReplies: options.quoteReplies,
    onAttempt: options.onAttempt,
  });

  /** A claimed row back to the store, pending as it was (the claim ends). */
  const giveBack = (row: OutboxRecord) =>
    store.updateOutbox(row.id, { status: 'pending', nextAttemptAt: row.nextAttemptAt, ...claim });

  /** Starts a send; the promise settles when its outcome is written. */
  function start(row: OutboxRecord, report: TickReport): Promise<void> {
    sendingConversations.add(row.conversationId);
    sendingRows.add(row.id);
    const done = send(row)
      .then(
        (outcome) => {
          if (outcome !== 'superseded') report[outcome] += 1;
        },
        async (error: unknown) => {
          log.error({ err: error, outboxId: row.id }, 'outbox send crashed; the row will be retried');
          report.retried += 1;
          await store
            .updateOutbox(row.id, {
              status: 'pending',
              nextAttemptAt: clock() + computeBackoff(row.attempts + 1, backoff, random),
              ...claim,
            })
            .catch(() => undefined);
        },
      )
      .finally(() => {
        sendingConversations.delete(row.conversationId);
        sendingRows.delete(row.id);
        running.delete(done);
        loop.wake();
      });
    running.add(done);
    return done;
  }

  /** Sends a claimed row now, holds it for its rate-limit slot, or writes it back. */
  async function consider(
    row: OutboxRecord,
    claimedAt: number,
    now: number,
    report: TickReport,
    sends: Promise<void>[],
  ) {
    if (now >= deadlineOf(row)) {
      await fail(
        row,
        row.attempts,
        { code: -1, title: 'deadline', message: 'deadline passed before sending' },
        'outbox.expired',
        owner,
      );
      report.failed += 1;
      return;
    }
    // The time of the send, not of the round: the round awaited claims and writes before this row,
    // and a slot stamped early leaves the number's window early (more than its rate in a second).
    const slot = limiter.tryAcquire(row.phoneNumberId, row.recipient, clock());
    if (slot.ok) {
      sends.push(start(row, report));
      return;
    }
    report.deferred += 1;
    report.nextDueAt = Math.min(report.nextDueAt ?? Infinity, slot.retryAt);
    options.onAttempt?.('deferred', row);
    // Held only for a slot that is close, and only a second's worth; a longer wait (a backlog at
    // the number's rate, a 131056, a refused token) goes back to the store, pending. A held row
    // is claimed: if this process dies, it waits for the lease to end (30 s) before another
    // sender may take it, so a backlog held in memory would all be that late after a crash.
    if (slot.retryAt - now <= holdMs && slot.retryAt - claimedAt < leaseMs / 2 && held.size < maxHeld)
      held.set(row.id, { row, retryAt: slot.retryAt, claimedAt });
    else await store.updateOutbox(row.id, { status: 'pending', nextAttemptAt: slot.retryAt, ...claim });
  }

  /** One round: due held rows first, then a claim for the room left. Does not wait for sends. */
  async function round(sends: Promise<void>[]): Promise<{ report: TickReport; room: number }> {
    const report = emptyReport();
    const now = clock();
    if (now - lastRecoverAt >= recoverEveryMs) {
      lastRecoverAt = now;
      // Leases that ended `reconcileMs` ago: the status webhook of a send that did go out had
      // `ambiguousGraceMs` since the claim to settle the row (it matches a `sending` row by our id).
      const recovered = await store.recoverExpiredOutbox(now - reconcileMs);
      if (recovered > 0) log.warn({ recovered }, 'outbox rows recovered from an expired lease');
    }
    if (now - lastSweepAt >= 60_000) {
      lastSweepAt = now;
      limiter.sweep(now);
    }
    for (const [id, entry] of [...held]) {
      if (entry.retryAt > now) {
        report.nextDueAt = Math.min(report.nextDueAt ?? Infinity, entry.retryAt);
        continue;
      }
      held.delete(id);
      await consider(entry.row, entry.claimedAt, now, report, sends);
    }
    const room = Math.min(batchSize, maxInFlight - sendingRows.size - held.size - offered);
    if (room <= 0) return { report, room };
    const rows = await store.claimOutbox(owner, now, now + leaseMs, room);
    report.claimed = rows.length;
    rows.sort((a, b) => (a.conversationId === b.conversationId ? a.seq - b.seq : a.createdAt - b.createdAt));
    const heldConversations = new Set([...held.values()].map((entry) => entry.row.conversationId));
    for (const row of rows) {
      if (sendingConversations.has(row.conversationId) || heldConversations.has(row.conversationId)) {
        // Never two messages of one conversation at once, whatever the store handed out.
        await giveBack(row);
        report.deferred += 1;
        continue;
      }
      await consider(row, now, now, report, sends);
      if (held.has(row.id)) heldConversations.add(row.conversationId);
    }
    return { report, room };
  }

  async function tick(): Promise<TickReport> {
    const sends: Promise<void>[] = [];
    const { report } = await round(sends);
    await Promise.all(sends);
    await outcomes.flush();
    return report;
  }

  const loop = createTickLoop({
    tick: async () => {
      const { report, room } = await round([]);
      return {
        // A full claim means more may be waiting, as long as there is room for it.
        busy: room > 0 && report.claimed >= room && sendingRows.size + held.size + offered < maxInFlight,
        nextDueAt: report.nextDueAt,
      };
    },
    idleMs,
    minGapMs: options.claimGapMs,
    clock,
    log,
  });

  function offerClaim(): ClaimOffer | undefined {
    if (!started || stopping || sendingRows.size + held.size + offered >= maxInFlight) return undefined;
    offered += 1;
    return { owner, leaseUntil: clock() + leaseMs };
  }

  /** Rows claimed with their commit go where a claim round's rows go (`consider`), at once. */
  function takeClaimed(offer: ClaimOffer, rows: readonly OutboxRecord[]): void {
    offered -= 1;
    if (rows.length === 0) return;
    const report = { ...emptyReport(), claimed: rows.length };
    const claimedAt = offer.leaseUntil - leaseMs;
    const taken = (async () => {
      for (const row of rows) {
        const { conversationId } = row;
        // Stopping, or (whatever the store did) a message of this conversation is still out.
        if (stopping || sendingConversations.has(conversationId) || heldConversation(conversationId))
          await giveBack(row);
        else await consider(row, claimedAt, clock(), report, []);
      }
      // A held row's slot: the loop must wake for it.
      if (report.nextDueAt !== null) loop.wake();
    })().catch((error: unknown) => {
      // The rows stay claimed until their lease ends; recovery then hands them out again.
      log.error(
        { err: error, outboxIds: rows.map((row) => row.id) },
        'could not take rows claimed with a commit',
      );
    });
    const done = taken.finally(() => running.delete(done));
    running.add(done);
  }

  /** Whether a row of the conversation waits for its slot here (per reply: no copy of `held`). */
  function heldConversation(conversationId: string): boolean {
    for (const entry of held.values()) if (entry.row.conversationId === conversationId) return true;
    return false;
  }

  async function stop(): Promise<void> {
    stopping = true;
    await loop.stop();
    while (running.size > 0) await Promise.all([...running]);
    // Held rows go back to the store at once, rather than waiting out their lease.
    for (const [id, entry] of [...held]) {
      held.delete(id);
      await store
        .updateOutbox(id, { status: 'pending', nextAttemptAt: entry.retryAt, ...claim })
        .catch((error: unknown) => log.error({ err: error, outboxId: id }, 'could not release a held row'));
    }
    await outcomes.flush();
  }

  const { applyStatus, applyStatuses } = createStatusApplier({
    store,
    withRowLock,
    sendInFlight: (id) => sendingRows.has(id),
    outcomes,
    log,
    backoff,
    random,
    onCredentialsError: options.onCredentialsError,
  });
  const shareRate = (instances: number) => limiter.share(instances);
  function startLoop(): void {
    started = true;
    stopping = false;
    loop.start();
  }
  return {
    tick,
    applyStatus,
    applyStatuses,
    shareRate,
    start: startLoop,
    stop,
    wake: loop.wake,
    offerClaim,
    takeClaimed,
  };
}
