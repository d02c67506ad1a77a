import type { LoadResult } from './tally.js';
import {
  cpuMs,
  eventLoopBusyMs,
  gcPauseMs,
  maxEventLoopDelayMs,
  postgresCpuMs,
  type ChildServer,
} from './processes.js';
import type { ScenarioResult } from './report.js';
import type { SimulatorClient } from './simulatorClient.js';

/**
 * Runs `load` and adds what it cost — CPU per reply on each side, peak RSS, loop stalls, the
 * simulator's busy share — and what went wrong on the way: refusals, redeliveries, server errors.
 */
export async function withCosts(
  sim: SimulatorClient,
  servers: ChildServer[],
  load: () => Promise<LoadResult>,
  options: { postgres?: boolean } = {},
): Promise<ScenarioResult> {
  const serverCpu = () => {
    const each = servers.map((s) => cpuMs(s.pid));
    return each.some((c) => c === null) ? null : each.reduce<number>((a, b) => a + b!, 0);
  };
  const serverErrors = () => servers.reduce((sum, s) => sum + s.loggedErrors().count, 0);
  const metricsNow = () => Promise.all(servers.map((s) => s.metricsText()));
  const summed = (read: (metrics: string) => number | null) => (metrics: string[]) => {
    const each = metrics.map(read);
    return each.some((ms) => ms === null) ? null : each.reduce<number>((a, b) => a + b!, 0);
  };
  const loopBusy = summed(eventLoopBusyMs);
  const gcPause = summed(gcPauseMs);
  const metricsBefore = await metricsNow();
  const before = {
    loopBusy: loopBusy(metricsBefore),
    gcPause: gcPause(metricsBefore),
    own: process.cpuUsage(),
    sim: await sim.stats(),
    server: serverCpu(),
    postgres: options.postgres ? postgresCpuMs() : 0,
    serverErrors: serverErrors(),
  };
  const startedAt = performance.now();
  const result = await load();
  const wallMs = performance.now() - startedAt;
  const postgresMs = options.postgres ? postgresCpuMs() - before.postgres : null;
  const own = process.cpuUsage(before.own);
  const simAfter = await sim.stats();
  const server = serverCpu();
  const perReply = (ms: number) => Math.round((ms / Math.max(1, result.replies)) * 1000) / 1000;
  const ownMs = (own.user + own.system) / 1000;
  const simMs = simAfter.cpuMs - before.sim.cpuMs;
  const serverMs = server === null || before.server === null ? null : server - before.server;
  const metrics = await metricsNow();
  const loopBusyAfter = loopBusy(metrics);
  const gcPauseAfter = gcPause(metrics);
  const delays = metrics.map(maxEventLoopDelayMs).filter((d): d is number => d !== null);
  const refusedDuring = (after: Record<string, number>, earlier: Record<string, number>) => {
    const byCode: Record<string, number> = {};
    for (const [code, count] of Object.entries(after)) {
      const during = count - (earlier[code] ?? 0);
      if (during > 0) byCode[code] = during;
    }
    return byCode;
  };
  const rejectedByCode = refusedDuring(simAfter.rejected, before.sim.rejected);
  const readReceiptsRejectedByCode = refusedDuring(
    simAfter.rejectedReadReceipts,
    before.sim.rejectedReadReceipts,
  );
  return {
    ...result,
    rssMb: Math.max(...servers.map((s) => s.peakRssMb())),
    maxEventLoopDelayMs: delays.length ? Math.max(...delays) : null,
    cpuMsPerReply: {
      loadGenerator: perReply(ownMs),
      simulator: perReply(simMs),
      server: serverMs === null ? null : perReply(serverMs),
      serverMainThread:
        loopBusyAfter === null || before.loopBusy === null ? null : perReply(loopBusyAfter - before.loopBusy),
      serverGcPause:
        gcPauseAfter === null || before.gcPause === null ? null : perReply(gcPauseAfter - before.gcPause),
      ...(postgresMs === null ? {} : { postgres: perReply(postgresMs) }),
    },
    coresUsed:
      serverMs === null
        ? null
        : Math.round(((ownMs + simMs + serverMs) / (Math.max(0.1, result.durationS) * 1000)) * 100) / 100,
    graphRejected: Object.values(rejectedByCode).reduce((a, b) => a + b, 0),
    graphRejectedByCode: rejectedByCode,
    readReceiptsRejectedByCode,
    simulatorRssMb: simAfter.peakRssMb,
    webhooksRedelivered: simAfter.webhooks.redeliveries - before.sim.webhooks.redeliveries,
    webhooksGivenUp: simAfter.webhooks.gaveUp - before.sim.webhooks.gaveUp,
    serverErrorsLogged: serverErrors() - before.serverErrors,
    serverErrorExamples: [...new Set(servers.flatMap((s) => s.loggedErrors().first))],
    simulatorBusy: Math.round(((simAfter.loopBusyMs - before.sim.loopBusyMs) / wallMs) * 100) / 100,
  };
}
