/** `FAULTS_SCALE=full` runs the sizes; the default is small enough for CI yet hits every mechanism. */
export const fullScale = process.env.FAULTS_SCALE === 'full';

/** Picks the CI size or the full size. */
export function scaled<T>(small: T, full: T): T {
  return fullScale ? full : small;
}

/** Prints one figure line, picked up in the vitest output and CI logs. */
export function report(test: string, figures: Record<string, unknown>): void {
  const parts = Object.entries(figures).map(
    ([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
  );
  process.stderr.write(`[faults] ${test} (${fullScale ? 'full' : 'ci'} scale): ${parts.join(' ')}\n`);
}

/** p-th percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it is true or `timeoutMs` passes; returns whether it became true. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
}
