// The Cloud API simulator as its own process for `npm run bench`, so its CPU is not the load
// generator's. Graph endpoints are the simulator's own (same validation as everywhere); `/_bench/*`
// is a light control channel for the driver:
//   PUT  /_bench/setup   {webhookUrl, script}    where webhooks go, and the messages users send
//   POST /_bench/send    [[waId, turn], ...]     users send script[turn] (202 at once)
//   GET  /_bench/events  text/event-stream       batched events, one JSON array per `data:` line:
//                        ['a', waId, httpStatus, t0, t1]  webhook POST started at t0, answered at t1
//                        ['r', waId, fingerprint, t]       a bot message accepted by Graph at t
//   GET  /_bench/stats   CPU, event-loop busy time, peak RSS and the simulator's counters
// Times are bench/clock.ts `sharedNowMs`, taken here: t0 as the webhook POST starts, t when the
// bot's Graph send has been read and validated, so webhook-to-reply latency needs no other clock.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createSimulator, simulatedUserMessageSchema, type SimulatedUserMessage } from '@parley/simulator';
import { sharedNowMs } from './clock.js';
import { fingerprint } from './fingerprint.js';
import { numberOfUser } from './numbers.js';
import { peakRssMb } from './processes.js';

const env = z
  .object({
    APP_SECRET: z.string().min(1),
    TOKEN: z.string().min(1),
    /** The business numbers, comma-separated (see bench/numbers.ts). */
    PHONES: z
      .string()
      .regex(/^\d+(,\d+)*$/)
      .transform((list) => list.split(',')),
    PORT: z.coerce.number().int().min(0).default(0),
  })
  .parse(process.env);

const setupSchema = z.object({
  webhookUrl: z.url(),
  script: z.array(z.union([z.string(), simulatedUserMessageSchema])).min(1),
});
const sendSchema = z.array(z.tuple([z.string().regex(/^\d+$/), z.number().int().nonnegative()]));

export type BenchEvent =
  | [kind: 'a', waId: string, status: number, t0: number, t1: number]
  | [kind: 'r', waId: string, fingerprint: string, t: number];

const sim = createSimulator({
  appSecret: env.APP_SECRET,
  accessToken: env.TOKEN,
  phoneNumberIds: env.PHONES,
  statusDelays: { sent: 0, delivered: 0, read: 0 },
  // Meta batches statuses too (up to 1000 per POST): one POST per window instead of three per reply.
  statusBatching: { windowMs: 50, maxUpdates: 1000 },
  enforceWindow: false,
  // Like Meta, a webhook not answered 200 comes again: whether the answer then arrives is what
  // counts as lost or not (the driver counts the failures, by status). Within the driver's 30 s
  // per-turn deadline.
  redeliver: { enabled: true, backoffMs: [250, 1_000, 5_000], maxAttempts: 6 },
  // A whole pizza-order conversation (4 messages in, 5 out) and a little more: a tap resolves
  // against the bot's last list, and a read receipt names a message the phone must still hold.
  // At 8, some runs of two instances had 6–14 receipts refused with 100 (the message had left
  // the log by the time its receipt came), where Meta accepts them; none in two runs at 12.
  // The bench checks replies by fingerprint, not by reading conversations back.
  maxMessagesPerUser: 12,
});

let script: SimulatedUserMessage[] = [];
let stream: ServerResponse | undefined;
let pending: BenchEvent[] = [];
let flushScheduled = false;

/** Events of one turn of the event loop go out as one SSE message. */
function emit(event: BenchEvent): void {
  pending.push(event);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    const batch = pending;
    pending = [];
    stream?.write(`data: ${JSON.stringify(batch)}\n\n`);
  });
}

sim.onBotMessage((message) => emit(['r', message.userId, fingerprint(message.payload), sharedNowMs()]));

let sendFailures = 0;
function userSends(waId: string, turn: number): void {
  const t0 = sharedNowMs();
  sim
    .userSends({ waId, name: 'Bench' }, script[turn]!, {
      phoneNumberId: numberOfUser(waId, env.PHONES),
    })
    .then(
      ({ status }) => emit(['a', waId, status, t0, sharedNowMs()]),
      (error: unknown) => {
        // A message the simulator cannot build (e.g. a list tap with no list to tap): the user is stuck.
        if (sendFailures++ < 5) process.stderr.write(`bench simulator: ${String(error)}\n`);
        emit(['a', waId, 0, t0, sharedNowMs()]);
      },
    );
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error as Error);
      }
    });
    req.on('error', reject);
  });
}

async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (path === 'send' && req.method === 'POST') {
    const items = sendSchema.parse(await readJson(req));
    const unknown = items.find(([, turn]) => turn >= script.length);
    if (unknown) throw new Error(`No turn ${unknown[1]} in the script (PUT /_bench/setup first).`);
    res.writeHead(202).end();
    for (const [waId, turn] of items) userSends(waId, turn);
    return;
  }
  if (path === 'events' && req.method === 'GET') {
    stream?.end();
    stream = res;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.on('close', () => {
      if (stream === res) stream = undefined;
    });
    return;
  }
  if (path === 'setup' && req.method === 'PUT') {
    const setup = setupSchema.parse(await readJson(req));
    sim.setWebhookUrl(setup.webhookUrl);
    script = setup.script;
    res.writeHead(204).end();
    return;
  }
  if (path === 'stats' && req.method === 'GET') {
    const cpu = process.cpuUsage();
    const stats = sim.stats();
    const body = JSON.stringify({
      cpuMs: (cpu.user + cpu.system) / 1000,
      loopBusyMs: performance.eventLoopUtilization().active,
      peakRssMb: peakRssMb(process.pid),
      rejected: stats.rejected,
      rejectedReadReceipts: stats.rejectedReadReceipts,
      webhooks: stats.webhooks,
      sendFailures,
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  res.writeHead(404).end();
}

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  const url = req.url ?? '/';
  if (!url.startsWith('/_bench/')) return sim.handler(req, res);
  control(req, res, url.slice('/_bench/'.length)).catch((error: unknown) => {
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(error));
  });
});
server.listen(env.PORT, '127.0.0.1', () => {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  stream?.end();
  server.closeAllConnections();
  void sim.close().then(() => process.exit(0));
});
