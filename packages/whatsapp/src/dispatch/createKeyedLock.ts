/**
 * A per-key mutex inside one process: work for the same key runs one after the other, work for
 * different keys in parallel. Keys are forgotten once idle.
 * @example const lock = createKeyedLock(); await lock('row-1', async () => update());
 */
export function createKeyedLock(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, work) => {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    tails.set(key, settled);
    void settled.then(() => {
      if (tails.get(key) === settled) tails.delete(key);
    });
    return next;
  };
}
