import { Agent, request } from 'node:http';
import path from 'node:path';
import type { SimulatedUserMessage } from '@parley/simulator';
import { z } from 'zod';
import { repoRoot, startChild, type ChildServer } from './processes.js';
import type { BenchEvent } from './simulatorProcess.js';

const statsSchema = z.object({
  cpuMs: z.number(),
  /** Time its event loop was busy since it started (`eventLoopUtilization().active`). */
  loopBusyMs: z.number(),
  peakRssMb: z.number(),
  rejected: z.record(z.string(), z.number()),
  rejectedReadReceipts: z.record(z.string(), z.number()),
  webhooks: z.object({
    posted: z.number(),
    acknowledged: z.number(),
    failed: z.number(),
    redeliveries: z.number(),
    gaveUp: z.number(),
  }),
  sendFailures: z.number(),
});
/** What the simulator process reports about itself (GET /_bench/stats). */
export type SimulatorStats = z.infer<typeof statsSchema>;

/** The load generator's handle on the simulator process (bench/simulatorProcess.ts). */
export interface SimulatorClient {
  /** Where the server's Graph client points. */
  graphBaseUrl: string;
  pid: number;
  setup(webhookUrl: string, script: SimulatedUserMessage[]): Promise<void>;
  /** The user sends script[turn]; sends of one tick go out as one control request. */
  send(waId: string, turn: number): void;
  /** Where events go (one listener: the loop being run). */
  onEvent(listener: (event: BenchEvent) => void): void;
  stats(): Promise<SimulatorStats>;
  stop(): Promise<void>;
}

/** Starts the simulator process and opens its event stream. */
export async function startSimulatorProcess(env: {
  APP_SECRET: string;
  TOKEN: string;
  PHONES: string;
}): Promise<SimulatorClient> {
  const child: ChildServer = await startChild(
    process.execPath,
    [
      // BENCH_SIMULATOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the simulator.
      ...(process.env.BENCH_SIMULATOR_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--conditions=source',
      '--import',
      'tsx',
      path.join(repoRoot, 'bench/simulatorProcess.ts'),
    ],
    { ...process.env, PORT: '0', ...env },
    /READY (\d+)/,
    'simulator',
  );
  const base = new URL(child.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let listener: (event: BenchEvent) => void = () => undefined;

  const call = (method: string, route: string, body?: unknown) =>
    new Promise<string>((resolve, reject) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          method,
          path: `/_bench/${route}`,
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const answer = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 300)
              reject(new Error(`simulator ${route}: ${res.statusCode} ${answer}`));
            else resolve(answer);
          });
        },
      );
      req.on('error', reject);
      req.end(text);
    });

  // The event stream: `data: [event, ...]` lines separated by a blank line.
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path: '/_bench/events' }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (line.startsWith('data: '))
            for (const event of JSON.parse(line.slice(6)) as BenchEvent[]) listener(event);
          end = buffer.indexOf('\n\n');
        }
      });
      resolve();
    });
    req.on('error', reject);
    req.end();
  });

  let queued: Array<[string, number]> = [];
  const flush = () => {
    const batch = queued;
    queued = [];
    call('POST', 'send', batch).catch((error: unknown) => {
      process.stderr.write(`bench: sending to the simulator failed: ${String(error)}\n`);
    });
  };

  return {
    graphBaseUrl: child.url,
    pid: child.pid,
    async setup(webhookUrl, script) {
      await call('PUT', 'setup', { webhookUrl, script });
    },
    send(waId, turn) {
      if (queued.length === 0) setImmediate(flush);
      queued.push([waId, turn]);
    },
    onEvent(next) {
      listener = next;
    },
    async stats() {
      return statsSchema.parse(JSON.parse(await call('GET', 'stats')));
    },
    async stop() {
      agent.destroy();
      await child.stop();
    },
  };
}
