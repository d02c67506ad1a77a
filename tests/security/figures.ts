import { percentile, sleep, waitUntil } from '../harness/faultScale.js';

export { percentile, sleep, waitUntil };

/** Prints one figure line for a security test, picked up in the vitest output and the CI log. */
export function report(test: string, figures: Record<string, unknown>): void {
  const parts = Object.entries(figures).map(
    ([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
  );
  process.stderr.write(`[security] ${test}: ${parts.join(' ')}\n`);
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}
