import type { Store } from '@parley/store';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes what is older than the retention period (transcripts, inbox and outbox rows, idle
 * contacts' phone numbers) once at start and then every `intervalMs`.
 */
export function startRetentionJob(options: {
  store: Pick<Store, 'purgeOlderThan'>;
  retentionDays: number;
  clock: { now(): number };
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  intervalMs?: number;
}): { stop(): void; runOnce(): Promise<void> } {
  const runOnce = async () => {
    try {
      const report = await options.store.purgeOlderThan(options.clock.now() - options.retentionDays * DAY_MS);
      options.log.info({ report }, 'retention purge done');
    } catch (error) {
      options.log.error({ err: error }, 'retention purge failed');
    }
  };
  const handle = setInterval(() => void runOnce(), options.intervalMs ?? 60 * 60 * 1000);
  handle.unref();
  void runOnce();
  return { stop: () => clearInterval(handle), runOnce };
}
