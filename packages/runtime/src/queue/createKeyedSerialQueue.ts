/** Runs tasks one at a time per key, in the order they were pushed; different keys run in parallel. */
export interface KeyedSerialQueue {
  /** Queues a task behind the key's earlier tasks; resolves or rejects with the task's own result. */
  run<T>(key: string, task: () => Promise<T> | T): Promise<T>;
  /** Keys with queued or running tasks. */
  size(): number;
  /** Resolves when every task queued so far has settled. */
  idle(): Promise<void>;
}

/**
 * Creates a keyed serial queue (the inbox worker uses it: one conversation's events in order).
 * @example
 * const queue = createKeyedSerialQueue();
 * await Promise.all([queue.run('a', first), queue.run('a', second), queue.run('b', other)]);
 */
export function createKeyedSerialQueue(): KeyedSerialQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      // A failed task must not block the key: the next one waits for settlement, not success.
      const result = previous.then(
        () => task(),
        () => task(),
      );
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    size: () => tails.size,
    async idle() {
      while (tails.size > 0) await Promise.all([...tails.values()]);
    },
  };
}
