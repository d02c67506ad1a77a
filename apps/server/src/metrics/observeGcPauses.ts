import { constants, PerformanceObserver } from 'node:perf_hooks';
import type { MetricsRegistry } from './MetricsRegistry.js';

/**
 * Counts the main thread's garbage-collection pauses by kind, `minor` (scavenges of the young
 * generation) and `major` (full mark-compact collections and their incremental steps): time the
 * event loop stood still and every webhook answer waited. Work V8's helper threads do meanwhile
 * (concurrent marking) is not a pause and is not counted.
 * Returns the function that stops observing.
 */
export function observeGcPauses(registry: MetricsRegistry): () => void {
  const seconds = registry.counter(
    'parley_gc_pause_seconds_total',
    'Time the main thread stood still for garbage collection, by kind',
  );
  const pauses = registry.counter(
    'parley_gc_pauses_total',
    'Garbage-collection pauses of the main thread, by kind',
  );
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // A gc entry's `detail` holds its kind (not in this version's PerformanceEntry type).
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      const labels = { kind: kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : 'major' };
      seconds.inc(labels, entry.duration / 1000);
      pauses.inc(labels);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
