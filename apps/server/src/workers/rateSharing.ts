import type { Store } from '@parley/store';

/** How often the instances are counted again: a joining instance is paced by the others within this. */
const RECOUNT_MS = 5_000;

/**
 * Meta limits sends per phone number, not per server: instances sharing a database count each
 * other (`Store.countInstances`) and each paces its share of every number's rate. Counted once
 * before the dispatcher starts, then every few seconds; a failed count changes nothing.
 * `onCount` hears each new count too (the claim gaps follow it).
 * @example const sharing = await startRateSharing({ store, dispatcher, log }); … sharing.stop();
 */
export async function startRateSharing(input: {
  store: Pick<Store, 'countInstances'>;
  dispatcher: { shareRate(instances: number): void };
  log: { info(fields: object, message: string): void };
  onCount?: (instances: number) => void;
}): Promise<{ stop(): void }> {
  const { store, dispatcher, log } = input;
  const count = store.countInstances?.bind(store);
  if (!count) return { stop: () => undefined };
  let instances = 1;
  const recount = async () => {
    const counted = await count().catch(() => instances);
    if (counted === instances) return;
    log.info(
      { instances: counted },
      "instances sharing the database changed: each paces its share of a number's rate",
    );
    instances = counted;
    dispatcher.shareRate(counted);
    input.onCount?.(counted);
  };
  await recount();
  const timer = setInterval(() => void recount(), RECOUNT_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
