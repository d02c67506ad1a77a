export interface LoginThrottleOptions {
  /** Failures allowed per IP + email within the window. @default 5 */
  maxFailures?: number;
  /** @default 15 minutes */
  windowMs?: number;
  /** Failures allowed per IP across all emails (password spraying). @default 10 × maxFailures */
  maxFailuresPerIp?: number;
  now?: () => number;
  /** Entries kept at most (oldest dropped) so a flood of addresses cannot exhaust memory. @default 10_000 */
  maxEntries?: number;
}

/**
 * Counts failed logins per IP + email (and per IP) in a sliding window, in memory.
 * @example if (throttle.check(ip, email).allowed === false) respond 429
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly maxFailuresPerIp: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(options: LoginThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxFailuresPerIp = options.maxFailuresPerIp ?? this.maxFailures * 10;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Whether a login attempt may proceed; when not, how many seconds until it may. */
  check(ip: string, email: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    const pair = this.recent(this.pairKey(ip, email), now);
    const perIp = this.recent(this.ipKey(ip), now);
    const blockedUntil = Math.max(
      pair.length >= this.maxFailures ? pair[pair.length - this.maxFailures]! + this.windowMs : 0,
      perIp.length >= this.maxFailuresPerIp
        ? perIp[perIp.length - this.maxFailuresPerIp]! + this.windowMs
        : 0,
    );
    if (blockedUntil > now)
      return { allowed: false, retryAfterSeconds: Math.ceil((blockedUntil - now) / 1000) };
    return { allowed: true };
  }

  recordFailure(ip: string, email: string): void {
    const now = this.now();
    for (const key of [this.pairKey(ip, email), this.ipKey(ip)]) {
      const list = this.recent(key, now);
      list.push(now);
      this.failures.delete(key);
      this.failures.set(key, list);
    }
    while (this.failures.size > this.maxEntries) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  /** A successful login clears that pair's failures (not the IP's: spraying still counts). */
  recordSuccess(ip: string, email: string): void {
    this.failures.delete(this.pairKey(ip, email));
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  private pairKey(ip: string, email: string): string {
    return `pair\u0000${ip}\u0000${email.trim().toLowerCase()}`;
  }

  private ipKey(ip: string): string {
    return `ip\u0000${ip}`;
  }
}
