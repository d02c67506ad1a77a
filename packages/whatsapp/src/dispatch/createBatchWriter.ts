/** Coalesces concurrent writes into one call of the underlying writer. */
export interface BatchWriter<T> {
  /** Queues items; resolves once the write that carried them succeeded (rejects if it failed). */
  write(items: readonly T[]): Promise<void>;
  /** Resolves when nothing is queued or being written. */
  flush(): Promise<void>;
}

interface Waiting<T> {
  items: T[];
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * Group commit for independent writes: the first write goes out at once; writes that arrive while
 * it is in flight are gathered and go out together as the next call, so a store sees one write
 * (one transaction, one fsync) per round trip instead of one per caller. Nothing waits on a timer.
 * @example const transcript = createBatchWriter((entries) => store.appendTranscript(entries));
 */
export function createBatchWriter<T>(
  writeAll: (items: T[]) => Promise<void>,
  options: { maxItems?: number } = {},
): BatchWriter<T> {
  const maxItems = options.maxItems ?? 500;
  const queue: Waiting<T>[] = [];
  let writing: Promise<void> | null = null;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.shift()!;
      try {
        await writeAll(batch.items);
        for (const waiter of batch.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(error);
      }
    }
    writing = null;
  }

  return {
    write(items) {
      if (items.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        let last = queue.at(-1);
        // The batch at the head is only taken by drain() when it starts a write, so while a
        // write is in flight every new caller joins the same waiting batch.
        if (!last || last.items.length + items.length > maxItems) {
          last = { items: [], waiters: [] };
          queue.push(last);
        }
        last.items.push(...items);
        last.waiters.push({ resolve, reject });
        writing ??= drain();
      });
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
