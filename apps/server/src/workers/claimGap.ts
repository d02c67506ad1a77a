/** On PostgreSQL, the least time between two claims of one instance, per instance sharing the database. */
export const CLAIM_GAP_PER_INSTANCE_MS = 15;

/**
 * The least time between two claims of the inbox worker and of the sender, under load (an idle
 * worker claims at once). On PostgreSQL every claim is a statement, and under load every instance
 * claims on nearly every wake-up, one or two rows at a time; the commits, reads and writes after
 * it are then grouped as thinly. 15 ms gathers a busy moment into one claim: +20 % replies/s with
 * one instance and with two in the benchmark (5 ms gave half of that, 30 ms no more). With
 * several instances each claims at most every 15 ms × instances (`setInstances`, from the rate
 * sharing's count), so together they claim about as often as one alone: two at 15 ms ran ~0.77
 * transactions per reply against one's ~0.4 (the README's tenth session). lowdb claims from
 * in-memory heaps and gained nothing from a gap. A configured gap (`CLAIM_GAP_MS`) stands
 * whatever the count.
 * @example const gap = claimGapPolicy('postgres', config.claimGapMs); createInboxWorker({ claimGapMs: gap.claimGapMs, … });
 */
export function claimGapPolicy(
  store: 'lowdb' | 'postgres',
  configuredMs: number | undefined,
): { claimGapMs: number | (() => number); setInstances(instances: number): void } {
  let instances = 1;
  const setInstances = (count: number) => {
    instances = Math.max(1, count);
  };
  if (configuredMs !== undefined) return { claimGapMs: configuredMs, setInstances };
  if (store === 'lowdb') return { claimGapMs: 0, setInstances };
  return { claimGapMs: () => CLAIM_GAP_PER_INSTANCE_MS * instances, setInstances };
}
