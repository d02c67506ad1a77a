import type { Random } from '../ports.js';

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay. @default 1000 */
  baseMs?: number;
  /** Largest delay. @default 300_000 */
  maxMs?: number;
}

/**
 * Exponential backoff with "equal jitter": half the doubled delay is fixed, half random, so
 * retries spread out but never come back immediately.
 * @example computeBackoff(3, { baseMs: 1000 }, Math.random) // between 2000 and 4000
 */
export function computeBackoff(attempt: number, options: BackoffOptions, random: Random): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 300_000;
  const exponential = Math.min(max, base * 2 ** Math.max(0, Math.min(30, attempt - 1)));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
