import type { CommitUnit, EngineEvent, InboxRecord, OutboxRecord } from '@parley/flow';
import type { CommitOptions, Store } from '@parley/store';
import { createBatchWriter } from '@parley/whatsapp';

/** The engine as the worker sees it: one event in, one commit unit out, never throws. */
export interface EventHandler {
  handle(event: EngineEvent, options: { inboxId?: string }): Promise<{ commit: CommitUnit }>;
}

/** Runs tasks with the same key one at a time, in order; different keys in parallel. */
export interface KeyedQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export interface InboxWorkerOptions {
  store: Pick<Store, 'claimInbox' | 'commit' | 'markInboxDone' | 'releaseInboxClaims' | 'renewInboxClaims'>;
  engine: EventHandler;
  queue: KeyedQueue;
  /**
   * Status rows bypass the engine: they update the outbox and the transcript. Consecutive status
   * rows of a conversation come in one call, in order. (The server applies sent, delivered and
   * read when their webhook arrives; `failed` ones, and every status where no status target is
   * set, come through here.)
   */
  applyStatuses(events: Extract<EngineEvent, { type: 'message.status' }>[]): Promise<void>;
  owner: string;
  clock: { now(): number };
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** `claimed`: the unit's rows its commit claimed for the sender (see `replyClaims`). */
  onCommitted?(
    unit: CommitUnit,
    event: EngineEvent,
    startedAt: number,
    claimed: readonly OutboxRecord[],
  ): void;
  /**
   * Lets each commit claim its first reply for the sender (`Store.commit`'s `claimFor`): `offer`
   * is asked before the commit (undefined: no room), `settle` gets what it claimed (after
   * `onCommitted`), and always once per offer, even when the commit failed.
   */
  replyClaims?: {
    offer(): ReplyClaim | undefined;
    settle(offer: ReplyClaim, claimed: readonly OutboxRecord[]): void;
  };
  /** Lease on claimed rows; an instance that dies has its claims taken over after this. */
  leaseMs?: number;
  /** How often the leases of conversations in hand are renewed. @default leaseMs / 3 */
  renewEveryMs?: number;
  batchSize?: number;
  /**
   * Claimed rows queued or running at once. Under overload the rest stay pending in the inbox
   * (durable, unleased) instead of all being claimed into memory at once. A function is asked
   * at each claim (a limit that adapts to load). @default 256
   */
  maxInFlight?: number | (() => number);
  /** Poll even without wake-ups, so rows appended by other instances are picked up. */
  pollMs?: number;
  /**
   * Least time between two claims, however often the worker is woken: rows that arrive meanwhile
   * come in one claim instead of many (on PostgreSQL each claim scans the pending rows, so with
   * several instances claiming the claims cost more than the rows). A function is asked before
   * each claim (a gap that follows how many instances share the database). @default 0
   */
  claimGapMs?: number | (() => number);
  maxConflictRetries?: number;
}

export interface InboxWorker {
  /** Ask for a claim round soon (after a webhook was accepted, a timer fired, an operator acted). */
  wake(): void;
  start(): void;
  /** Stops claiming, waits for the events in hand, releases leases. */
  stop(): Promise<void>;
  /** Resolves when nothing is claimed or running (tests, drain). */
  idle(): Promise<void>;
}

export type ReplyClaim = NonNullable<CommitOptions['claimFor']>;

const isStatus = (row: InboxRecord) => row.event.type === 'message.status';

/**
 * Pulls events from the durable inbox and runs them through the engine, strictly in order per
 * conversation and in parallel across conversations; each result is committed atomically.
 */
export function createInboxWorker(options: InboxWorkerOptions): InboxWorker {
  const { store, engine, queue, owner, clock, log } = options;
  // How long a dead instance's claims block others (a restarted one included: its owner id is
  // new). Leases of conversations in hand are renewed every `renewEveryMs` and given back once
  // their rows are done, so this only has to outlast a stall of the event loop or the database,
  // not an event's work (HTTP nodes wait up to 10 s). Processing twice would still be safe: the
  // engine drops a wamid it has seen and the revision check refuses a stale commit.
  const leaseMs = options.leaseMs ?? 3_000;
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(leaseMs / 3));
  const batchSize = options.batchSize ?? 256;
  const pollMs = options.pollMs ?? 1_000;
  const gapOption = options.claimGapMs ?? 0;
  const claimGapMs = () => (typeof gapOption === 'function' ? gapOption() : gapOption);
  let lastClaimAt = -Infinity;
  const inFlightOption = options.maxInFlight ?? 256;
  const maxInFlight = () =>
    Math.max(1, typeof inFlightOption === 'function' ? inFlightOption() : inFlightOption);
  // Under a backlog, claim only once this much room is free: each claim scans the pending rows,
  // so one claim per finished row would cost more than the rows themselves.
  const minClaim = (limit: number) => Math.max(1, Math.min(32, Math.floor(limit / 8)));
  const maxConflictRetries = options.maxConflictRetries ?? 5;

  let running = false;
  let claiming = false;
  let again = false;
  let inFlight = 0;
  /** Rows claimed and not yet finished (bounded by `maxInFlight`). */
  let rowsInHand = 0;
  /** The last claim stopped for lack of room: a finishing row claims again. */
  let backlog = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let renewing = false;
  // Conversations with claimed rows queued or running (how many claim batches): leases renewed.
  const inHand = new Map<string, number>();
  const rowIdsInHand = new Set<string>();
  // Conversations whose rows are all done since the last claim round: their leases are given
  // back before the next claim, so no instance waits for a lease nobody uses.
  const finished = new Set<string>();
  // Conversations with a row left failed while stopping: their later batches here do not run.
  const blocked = new Set<string>();
  const idleWaiters: Array<() => void> = [];
  // Status rows finish in bursts (a webhook carries up to hundreds): one write marks them done.
  const statusDone = createBatchWriter<string>((ids) => store.markInboxDone(ids));

  const settleIdle = () => {
    if (inFlight === 0 && !claiming) for (const resolve of idleWaiters.splice(0)) resolve();
  };

  async function processStatuses(rows: InboxRecord[]): Promise<void> {
    const events = rows.map((row) => row.event as Extract<EngineEvent, { type: 'message.status' }>);
    await options.applyStatuses(events);
    await statusDone.write(rows.map((row) => row.id));
  }

  async function processRow(row: InboxRecord): Promise<void> {
    const event = row.event;
    const startedAt = clock.now();
    for (let attempt = 0; attempt <= maxConflictRetries; attempt += 1) {
      const { commit } = await engine.handle(event, { inboxId: row.id });
      const offer = options.replyClaims?.offer();
      let claimed: readonly OutboxRecord[] = [];
      try {
        const result = await store.commit(commit, offer && { claimFor: offer });
        if (result.ok) {
          claimed = result.claimed ?? [];
          options.onCommitted?.(commit, event, startedAt, claimed);
          return;
        }
      } finally {
        if (offer) options.replyClaims?.settle(offer, claimed);
      }
      log.warn({ conversationId: row.conversationId, attempt }, 'commit conflict, retrying with fresh state');
    }
    // Like any failure: the row stays pending and is tried again (runBatch), never dropped, and
    // the conversation's later rows wait for it.
    throw new Error(`gave up after ${maxConflictRetries + 1} commit conflicts`);
  }

  /**
   * Runs one claimed batch in order; false when a row was left unprocessed. A failed row (the
   * database briefly unreachable, commit conflicts exhausted) is retried in place, the
   * conversation's lease kept and renewed: left to its lease instead, this owner's next claim
   * would take the conversation's newer rows and run them first.
   */
  async function runBatch(conversationId: string, list: InboxRecord[]): Promise<boolean> {
    if (blocked.has(conversationId)) return false;
    for (let start = 0; start < list.length;) {
      // A step: one event for the engine, or a run of status rows.
      let end = start + 1;
      if (isStatus(list[start]!)) while (end < list.length && isStatus(list[end]!)) end += 1;
      const step = list.slice(start, end);
      start = end;
      for (let failures = 1; ; failures += 1) {
        try {
          if (isStatus(step[0]!)) await processStatuses(step);
          else await processRow(step[0]!);
          break;
        } catch (error) {
          if (!running) {
            // Stopping: the row stays pending, and so do the conversation's later batches here.
            blocked.add(conversationId);
            log.error({ err: error, conversationId }, 'inbox row failed while stopping; left pending');
            return false;
          }
          log.error(
            { err: error, conversationId, failures },
            'inbox row failed; retrying it before the conversation’s later rows',
          );
          await new Promise((resolve) => setTimeout(resolve, Math.min(leaseMs, 100 * 2 ** failures)));
        }
      }
    }
    return true;
  }

  /** Releases finished conversations; runs inside a claim round, so never races this worker's claims. */
  async function releaseFinished(): Promise<void> {
    if (finished.size === 0) return;
    const ids = [...finished];
    finished.clear();
    // On failure the leases simply expire.
    await store.releaseInboxClaims(owner, ids).catch((error: unknown) => {
      log.warn({ err: error, conversations: ids.length }, 'releasing inbox leases failed');
    });
  }

  async function renewLeases(): Promise<void> {
    if (renewing || inHand.size === 0) return;
    renewing = true;
    try {
      const ids = [...inHand.keys()];
      const renewed = new Set(await store.renewInboxClaims(owner, ids, clock.now() + leaseMs));
      const lost = ids.filter((id) => !renewed.has(id) && inHand.has(id));
      // Another instance took them over after a stall longer than the lease: both may process
      // the same rows now, which the revision check and wamid deduplication make harmless.
      if (lost.length > 0) log.warn({ conversations: lost.length }, 'inbox leases lost while in hand');
    } catch (error) {
      log.warn({ err: error }, 'renewing inbox leases failed');
    } finally {
      renewing = false;
    }
  }

  async function claimRound(): Promise<void> {
    if (!running) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      do {
        // Wake-ups during the gap set `again` and are served by the claim after it (real time,
        // not `clock`, which tests move at will).
        const gap = lastClaimAt + claimGapMs() - performance.now();
        if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
        if (!running) break;
        again = false;
        await releaseFinished();
        const limit = maxInFlight();
        const room = Math.min(batchSize, limit - rowsInHand);
        if (room < minClaim(limit) && rowsInHand > 0) {
          backlog = true;
          break;
        }
        lastClaimAt = performance.now();
        const now = clock.now();
        const claimed = await store.claimInbox(owner, now, now + leaseMs, room);
        backlog = claimed.length === room;
        // A row whose lease ran out while it waited here (a stall longer than the lease) comes
        // back to this owner: it is queued already, so running it again would only repeat work.
        const rows = claimed.filter((row) => !rowIdsInHand.has(row.id));
        for (const row of rows) rowIdsInHand.add(row.id);
        rowsInHand += rows.length;
        const byConversation = new Map<string, InboxRecord[]>();
        for (const row of rows) {
          const list = byConversation.get(row.conversationId);
          if (list) list.push(row);
          else byConversation.set(row.conversationId, [row]);
        }
        for (const [conversationId, list] of byConversation) {
          inFlight += 1;
          inHand.set(conversationId, (inHand.get(conversationId) ?? 0) + 1);
          finished.delete(conversationId);
          let failed = false;
          void queue
            .run(conversationId, async () => {
              failed = !(await runBatch(conversationId, list));
            })
            .finally(() => {
              inFlight -= 1;
              rowsInHand -= list.length;
              for (const row of list) rowIdsInHand.delete(row.id);
              const limit = maxInFlight();
              if (backlog && running && limit - rowsInHand >= minClaim(limit)) {
                backlog = false;
                wake();
              }
              const left = (inHand.get(conversationId) ?? 1) - 1;
              if (left > 0) inHand.set(conversationId, left);
              else {
                inHand.delete(conversationId);
                blocked.delete(conversationId);
                // A row left failed (stopping) keeps its lease until it expires or stop releases it.
                if (!failed) finished.add(conversationId);
              }
              settleIdle();
            });
        }
        if (backlog) again = true;
      } while (again && running);
    } catch (error) {
      log.error({ err: error }, 'claiming inbox rows failed');
    } finally {
      claiming = false;
      settleIdle();
    }
  }

  const wake = () => {
    void claimRound();
  };

  return {
    wake,
    start() {
      if (running) return;
      running = true;
      pollTimer = setInterval(wake, pollMs);
      pollTimer.unref();
      renewTimer = setInterval(() => void renewLeases(), renewEveryMs);
      renewTimer.unref();
      wake();
    },
    async stop() {
      running = false;
      if (pollTimer) clearInterval(pollTimer);
      // Leases stay renewed while the events in hand finish.
      await this.idle();
      if (renewTimer) clearInterval(renewTimer);
      finished.clear();
      await store.releaseInboxClaims(owner);
    },
    idle() {
      if (inFlight === 0 && !claiming) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
