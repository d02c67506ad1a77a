/** Coalesces status entries per business number into fewer webhook POSTs, like Meta's batching. */
export interface StatusBatcher {
  /** Queues an entry; resolves once the POST that carries it has been answered. */
  add(phoneNumberId: string, entry: Record<string, unknown>): Promise<void>;
  close(): void;
}

/**
 * With `windowMs` 0 every entry is posted at once on its own; otherwise entries gathered within
 * the window (at most `maxUpdates`, Meta's cap is 1000) share one POST.
 * @example createStatusBatcher({ windowMs: 20, maxUpdates: 1000, post: (id, entries) => sender.post(...) })
 */
export function createStatusBatcher(options: {
  windowMs: number;
  maxUpdates: number;
  post(phoneNumberId: string, entries: Record<string, unknown>[]): Promise<unknown>;
}): StatusBatcher {
  const pending = new Map<
    string,
    { entries: Record<string, unknown>[]; waiters: Array<() => void>; timer?: NodeJS.Timeout }
  >();

  const flush = (phoneNumberId: string) => {
    const batch = pending.get(phoneNumberId);
    if (!batch) return;
    pending.delete(phoneNumberId);
    if (batch.timer) clearTimeout(batch.timer);
    void options.post(phoneNumberId, batch.entries).finally(() => batch.waiters.forEach((w) => w()));
  };

  return {
    add(phoneNumberId, entry) {
      if (options.windowMs <= 0) return options.post(phoneNumberId, [entry]).then(() => undefined);
      return new Promise<void>((resolve) => {
        let batch = pending.get(phoneNumberId);
        if (!batch) {
          batch = { entries: [], waiters: [] };
          batch.timer = setTimeout(() => flush(phoneNumberId), options.windowMs);
          pending.set(phoneNumberId, batch);
        }
        batch.entries.push(entry);
        batch.waiters.push(resolve);
        if (batch.entries.length >= options.maxUpdates) flush(phoneNumberId);
      });
    },
    close() {
      for (const batch of pending.values()) {
        if (batch.timer) clearTimeout(batch.timer);
        batch.waiters.forEach((w) => w());
      }
      pending.clear();
    },
  };
}
