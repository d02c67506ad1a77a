/** Percentile of an unsorted sample (nearest rank), 0 when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 10) / 10;
}

/** The seconds of a window in `slowestWindow`. */
export const WINDOW_S = 5;

/**
 * Replies per second in the slowest whole window of `WINDOW_S` between `startedAt` and `endedAt`
 * (the last, partial one left out), from the replies' arrival times; null under two windows.
 * @example slowestWindow([0, 1, 5_100], 0, 10_000) // 0.2: one reply in the second window
 */
export function slowestWindow(replyTimes: number[], startedAt: number, endedAt: number): number | null {
  const windows = Math.floor((endedAt - startedAt) / (WINDOW_S * 1000));
  if (windows < 2) return null;
  const counts = new Array<number>(windows).fill(0);
  for (const at of replyTimes) {
    const index = Math.floor((at - startedAt) / (WINDOW_S * 1000));
    if (index >= 0 && index < windows) counts[index] = counts[index]! + 1;
  }
  return Math.round((Math.min(...counts) / WINDOW_S) * 10) / 10;
}
