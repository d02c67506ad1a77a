/** Runs one input as part of a batch; resolves with that input's own result. */
export type Coalesced<I, O> = (input: I) => Promise<O>;

export interface CoalescerOptions<I, O> {
  /** Inputs per batch at most. @default 500 */
  maxBatch?: number;
  /** False when `input` cannot share a statement with `batch` (the same row twice): it waits for the next. */
  canJoin?: (batch: readonly I[], input: I) => boolean;
  /**
   * A failed batch of several inputs is run again one by one through this, so one bad input
   * (or a deadlock victim) fails only its own caller. Without it, every caller gets the error.
   */
  runOne?: (input: I) => Promise<O>;
}

interface Batch<I, O> {
  inputs: I[];
  waiters: Array<{ resolve: (value: O) => void; reject: (error: unknown) => void }>;
}

/**
 * Group commit for statements: the first call runs at once (after the calls of the same
 * event-loop turn joined it); calls made while a batch is in flight gather and run together as
 * the next one: one statement, one round trip, one transaction and one WAL flush instead of one per
 * caller. Nothing waits on a timer, so a lone call is not delayed.
 * A call never joins a batch that already started, so a read sees every write that finished before
 * it was called. `run` returns one result per input, in input order.
 * @example const byId = createCoalescer((ids: string[]) => selectMany(ids)); await byId('c1');
 */
export function createCoalescer<I, O>(
  run: (inputs: I[]) => Promise<O[]>,
  options: CoalescerOptions<I, O> = {},
): Coalesced<I, O> {
  const maxBatch = options.maxBatch ?? 500;
  const queue: Array<Batch<I, O>> = [];
  let draining = false;

  async function runBatch(batch: Batch<I, O>): Promise<void> {
    try {
      const results = await run(batch.inputs);
      batch.waiters.forEach((waiter, i) => waiter.resolve(results[i]!));
    } catch (error) {
      const { runOne } = options;
      if (!runOne || batch.inputs.length === 1) {
        for (const waiter of batch.waiters) waiter.reject(error);
        return;
      }
      await Promise.all(
        batch.inputs.map((input, i) =>
          runOne(input).then(batch.waiters[i]!.resolve, batch.waiters[i]!.reject),
        ),
      );
    }
  }

  async function drain(): Promise<void> {
    try {
      for (let batch = queue.shift(); batch; batch = queue.shift()) await runBatch(batch);
    } finally {
      draining = false;
    }
  }

  return (input) =>
    new Promise<O>((resolve, reject) => {
      // Only batches still queued are joined: the head is taken off the queue when it starts.
      let batch = queue.find(
        (waiting) => waiting.inputs.length < maxBatch && (options.canJoin?.(waiting.inputs, input) ?? true),
      );
      if (!batch) {
        batch = { inputs: [], waiters: [] };
        queue.push(batch);
      }
      batch.inputs.push(input);
      batch.waiters.push({ resolve, reject });
      // After the current I/O phase of the event loop, so every call its callbacks make (results of
      // other statements, webhooks read in the same turn) shares the first batch; not a timer.
      if (!draining) {
        draining = true;
        setImmediate(() => void drain());
      }
    });
}
