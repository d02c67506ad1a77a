import type { LoadResult } from './tally.js';

// What one benchmark scenario measured, and the table `npm run bench` prints of them.

export interface ScenarioResult extends LoadResult {
  rssMb: number;
  maxEventLoopDelayMs: number | null;
  ceilingRatio?: number;
  /**
   * CPU each side spent per reply during the run (ms); null where it could not be read.
   * `serverMainThread`: the servers' event-loop busy time per reply (what one instance cannot spread
   * over cores); `serverGcPause`: the part of it their main threads stood still for garbage
   * collection (scavenges and full collections).
   */
  cpuMsPerReply: {
    loadGenerator: number;
    simulator: number;
    server: number | null;
    serverMainThread?: number | null;
    serverGcPause?: number | null;
    postgres?: number;
  };
  /** PostgreSQL scenarios: transactions (statements outside BEGIN) the bench database ran per reply. */
  pgTransactionsPerReply?: number;
  /**
   * CPU the generator, simulator and server(s) used over the run (PostgreSQL not counted), in
   * cores: well under the machine's cores in a CPU-bound run means other work took the rest.
   */
  coresUsed: number | null;
  /**
   * Graph sends the simulator refused (validation, limits), in all and by error code: the sender
   * retries the retryable ones (a reply still missing at the end counts as lost).
   */
  graphRejected: number;
  graphRejectedByCode: Record<string, number>;
  /** Read receipts the simulator refused, by code (best effort: nothing is lost with them). */
  readReceiptsRejectedByCode: Record<string, number>;
  simulatorRssMb: number;
  /** Webhook POSTs the simulator sent again after a non-200 (Meta does too), and gave up on. */
  webhooksRedelivered: number;
  webhooksGivenUp: number;
  /**
   * Error and fatal lines the server(s) logged during the run; the examples are the first
   * messages they logged since they started.
   */
  serverErrorsLogged: number;
  serverErrorExamples: string[];
  /**
   * The fraction of the run's wall time the simulator's event loop was busy. Near 1 it is the
   * bottleneck: webhooks leave late and Graph requests wait, new connections longest (in its
   * accept queue), and the latencies measure its queue as much as the server.
   */
  simulatorBusy: number;
}

/** The results as one aligned table, then one line per problem a run reported. */
export function formatResults(results: Record<string, ScenarioResult>): string {
  const rows = Object.entries(results).map(([name, r]) => [
    name,
    r.repliesPerSecond,
    r.slowestWindowRepliesPerSecond ?? '',
    r.ceilingRatio ?? '',
    r.p50Ms,
    r.p95Ms,
    r.p99Ms,
    r.maxMs,
    r.ackP50Ms,
    r.ackP99Ms,
    r.lost,
    r.duplicates,
    r.outOfOrder,
    r.rssMb,
    r.maxEventLoopDelayMs ?? '',
    r.cpuMsPerReply.loadGenerator,
    r.cpuMsPerReply.simulator,
    r.simulatorBusy,
    r.cpuMsPerReply.server ?? '',
    r.cpuMsPerReply.serverMainThread ?? '',
    r.cpuMsPerReply.serverGcPause ?? '',
    r.cpuMsPerReply.postgres ?? '',
    r.pgTransactionsPerReply ?? '',
    r.coresUsed ?? '',
  ]);
  const header = [
    'run',
    'replies/s',
    'slowest 5 s',
    '÷ceiling',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'ack p50',
    'ack p99',
    'lost',
    'dup',
    'order',
    'RSS MB',
    'loop max ms',
    'gen ms/r',
    'sim ms/r',
    'sim busy',
    'srv ms/r',
    'main ms/r',
    'gc ms/r',
    'pg ms/r',
    'pg tx/r',
    'cores',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: unknown[]) => cells.map((c, i) => String(c).padStart(widths[i]!)).join('  ');
  let text = `\n${line(header)}\n${rows.map(line).join('\n')}\n`;
  for (const [name, r] of Object.entries(results)) {
    if (r.problem) text += `${name}: ${r.problem}\n`;
    if (r.webhookFailures) {
      const statuses = Object.entries(r.webhookFailuresByStatus).map(
        ([status, count]) => `${status === '0' ? 'no answer' : `HTTP ${status}`} ×${count}`,
      );
      text += `${name}: ${r.webhookFailures} webhooks not answered 200 (${statuses.join(', ')}); the simulator redelivered ${r.webhooksRedelivered} times and gave up on ${r.webhooksGivenUp}\n`;
    }
    if (r.serverErrorsLogged) {
      const examples = r.serverErrorExamples.map((m) => `"${m}"`).join(', ');
      text += `${name}: the server logged ${r.serverErrorsLogged} errors (first: ${examples})\n`;
    }
    if (r.graphRejected) {
      const codes = Object.entries(r.graphRejectedByCode).map(([code, count]) => `${code} ×${count}`);
      text += `${name}: the simulator rejected ${r.graphRejected} Graph sends (${codes.join(', ')})\n`;
    }
    const receipts = Object.entries(r.readReceiptsRejectedByCode);
    if (receipts.length > 0) {
      const codes = receipts.map(([code, count]) => `${code} ×${count}`);
      text += `${name}: the simulator refused read receipts (${codes.join(', ')})\n`;
    }
  }
  return text;
}
