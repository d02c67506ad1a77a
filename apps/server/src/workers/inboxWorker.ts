import type { CommitUnit, EngineEvent, InboxRecord } from '@parley/flow';
import type { Store } from '@parley/store';
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
  store: Pick<Store, 'claimInbox' | 'commit' | 'markInboxDone' | 'releaseInboxClaims'>;
  engine: EventHandler;
  queue: KeyedQueue;
  /** Status webhooks bypass the engine: they update the outbox and the transcript. */
  applyStatus(event: Extract<EngineEvent, { type: 'message.status' }>): Promise<void>;
  owner: string;
  clock: { now(): number };
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  onCommitted?(unit: CommitUnit, event: EngineEvent, startedAt: number): void;
  /** Lease on claimed rows; an instance that dies has its claims taken over after this. */
  leaseMs?: number;
  batchSize?: number;
  /** Poll even without wake-ups, so rows appended by other instances are picked up. */
  pollMs?: number;
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

/**
 * Pulls events from the durable inbox and runs them through the engine, strictly in order per
 * conversation and in parallel across conversations; each result is committed atomically.
 */
export function createInboxWorker(options: InboxWorkerOptions): InboxWorker {
  const { store, engine, queue, owner, clock, log } = options;
  // How long a dead instance's claims block others. Processing twice is safe (the engine drops a
  // wamid it has seen and the revision check refuses a stale commit), so this only needs to outlast
  // one event's work, HTTP nodes (10 s timeout) included.
  const leaseMs = options.leaseMs ?? 15_000;
  const batchSize = options.batchSize ?? 256;
  const pollMs = options.pollMs ?? 1_000;
  const maxConflictRetries = options.maxConflictRetries ?? 5;

  let running = false;
  let claiming = false;
  let again = false;
  let inFlight = 0;
  let pollTimer: NodeJS.Timeout | undefined;
  const idleWaiters: Array<() => void> = [];
  // Status rows finish in bursts (a webhook carries up to hundreds): one write marks them done.
  const statusDone = createBatchWriter<string>((ids) => store.markInboxDone(ids));

  const settleIdle = () => {
    if (inFlight === 0 && !claiming) for (const resolve of idleWaiters.splice(0)) resolve();
  };

  async function processRow(row: InboxRecord): Promise<void> {
    const event = row.event;
    if (event.type === 'message.status') {
      await options.applyStatus(event);
      await statusDone.write([row.id]);
      return;
    }
    const startedAt = clock.now();
    for (let attempt = 0; attempt <= maxConflictRetries; attempt += 1) {
      const { commit } = await engine.handle(event, { inboxId: row.id });
      const result = await store.commit(commit);
      if (result.ok) {
        options.onCommitted?.(commit, event, startedAt);
        return;
      }
      log.warn({ conversationId: row.conversationId, attempt }, 'commit conflict, retrying with fresh state');
    }
    // Leave the row pending: its lease expires and it is tried again later, never dropped.
    log.error({ conversationId: row.conversationId }, 'gave up after repeated commit conflicts');
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
        again = false;
        const now = clock.now();
        const rows = await store.claimInbox(owner, now, now + leaseMs, batchSize);
        const byConversation = new Map<string, InboxRecord[]>();
        for (const row of rows) {
          const list = byConversation.get(row.conversationId);
          if (list) list.push(row);
          else byConversation.set(row.conversationId, [row]);
        }
        for (const [conversationId, list] of byConversation) {
          inFlight += 1;
          void queue
            .run(conversationId, async () => {
              for (const row of list) {
                try {
                  await processRow(row);
                } catch (error) {
                  log.error(
                    { err: error, conversationId },
                    'inbox row failed; it will be retried after its lease',
                  );
                  break; // keep per-conversation order: later rows wait for this one
                }
              }
            })
            .finally(() => {
              inFlight -= 1;
              settleIdle();
            });
        }
        if (rows.length === batchSize) again = true;
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
      wake();
    },
    async stop() {
      running = false;
      if (pollTimer) clearInterval(pollTimer);
      await this.idle();
      await store.releaseInboxClaims(owner);
    },
    idle() {
      if (inFlight === 0 && !claiming) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
