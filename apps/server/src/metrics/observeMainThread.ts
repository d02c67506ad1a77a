import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { MetricsRegistry } from './MetricsRegistry.js';
import { observeGcPauses } from './observeGcPauses.js';

/**
 * The main thread's health as metrics: its longest stall, its busy time and its garbage-collection
 * pauses. The main thread is what one instance cannot scale past, and each of its stalls delays
 * every webhook answer. Call once the workers run (start-up's index rebuild is not the steady
 * state); returns the function that stops observing.
 */
export function observeMainThread(registry: MetricsRegistry): () => void {
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const loopDelayGauge = registry.gauge(
    'parley_event_loop_delay_max_seconds',
    'Longest event-loop stall since the workers started',
  );
  registry.onCollect(() => loopDelayGauge.set(loopDelay.max / 1e9));
  // Busy time apart from the process's CPU (which also counts the file threads, GC helpers and
  // libuv's pool).
  const loopBusyGauge = registry.gauge(
    'parley_event_loop_busy_seconds',
    'Time the event loop (main thread) spent busy since the process started',
  );
  registry.onCollect(() => loopBusyGauge.set(performance.eventLoopUtilization().active / 1000));
  const stopGcObserver = observeGcPauses(registry);
  return () => {
    loopDelay.disable();
    stopGcObserver();
  };
}
