/**
 * The recent answers of a point read, for records read on every event that change rarely (a
 * number's bot, a flow's latest version): one statement per key per `ttlMs` instead of one per
 * event. Concurrent callers share the read in flight. `forget()` drops everything, so a write
 * made here is seen by the next read here at once (call it once the write is done: a read still
 * in flight from before is dropped too); a write made by another instance is seen within
 * `ttlMs`. A failed read is not remembered.
 * @example const bots = new RecentReads<Bot | null>({ ttlMs: 1_000 }); await bots.get(phone, readBot);
 */
export class RecentReads<V> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { value: Promise<V>; at: number }>();

  constructor(options: { ttlMs: number; maxEntries?: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 1_000;
    this.#now = options.now ?? (() => performance.now());
  }

  get(key: string, read: (key: string) => Promise<V>): Promise<V> {
    const now = this.#now();
    const recent = this.#entries.get(key);
    if (recent && now - recent.at < this.#ttlMs) return recent.value;
    const entry = { value: read(key), at: now };
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.value;
  }

  forget(): void {
    this.#entries.clear();
  }
}
