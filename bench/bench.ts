// `npm run bench`: Parley's throughput and latency against the bare ceiling, in one run.
// Starts the built server (and the ceiling) as separate processes, hosts the Cloud API simulator
// in this process, and drives simulated users through real pizza-order conversations.
// Flags: --json, --quick (small sizes), --users N, --in-flight N, --seed N, --skip-postgres.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createSimulator } from '@parley/simulator';
import { runClosedLoop, runOpenLoop, fingerprint, type LoadResult, type Turn } from './driver.js';
import {
  maxEventLoopDelayMs,
  startCeilingProcess,
  startParleyProcess,
  type ChildServer,
} from './processes.js';
import { startRoundRobinProxy } from './roundRobinProxy.js';
import { seedConversations } from './seed.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = flag('quick');
const users = option('users', quick ? 500 : 5_000);
const inFlight = option('in-flight', 200);
const bigSeed = option('seed', quick ? 10_000 : 100_000);
const smallSeed = 1_000;
const pgSeed = option('pg-seed', quick ? 2_000 : 10_000);
const openRate = option('open-rate', 500);
const openSeconds = option('open-seconds', quick ? 15 : 60);
const json = flag('json');
const log = (line: string) => {
  if (!json) process.stderr.write(`${line}\n`);
};

const APP_SECRET = 'bench-app-secret';
const TOKEN = 'bench-access-token';
const PHONE = '100000000000777';
const ADMIN = 'bench-admin-token-0123456789abcdef';
const PG_BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The pizza-order conversation every simulated user holds (4 messages, 5 replies). */
const pizzaScript: Turn[] = [
  { send: 'I would like to order a pizza', replies: 1 },
  { send: { type: 'list_reply', title: 'Pepperoni' }, replies: 1 },
  { send: '2', replies: 1 },
  { send: 'Damrak 1, Amsterdam', replies: 2 },
];

interface ScenarioResult extends LoadResult {
  rssMb: number;
  maxEventLoopDelayMs: number | null;
  ceilingRatio?: number;
}

const sim = createSimulator({
  appSecret: APP_SECRET,
  accessToken: TOKEN,
  phoneNumberId: PHONE,
  statusDelays: { sent: 0, delivered: 0, read: 0 },
  statusBatching: { windowMs: 50, maxUpdates: 200 },
  enforceWindow: false,
  maxMessagesPerUser: 50,
});
await sim.listen(0, '127.0.0.1');

function parleyEnv(extra: Record<string, string>): Record<string, string> {
  return {
    WHATSAPP_ACCESS_TOKEN: TOKEN,
    WHATSAPP_PHONE_NUMBER_ID: PHONE,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: 'bench-verify',
    GRAPH_API_BASE_URL: sim.graphBaseUrl!,
    ADMIN_TOKEN: ADMIN,
    BOT_FLOW: 'pizza-order',
    // The upgraded throughput tier: the default 80/s is Meta's entry tier, not Parley's limit.
    OUTBOX_RATE_PER_SECOND: '1000',
    DATA_ENCRYPTION_KEY: '',
    ...extra,
  };
}

let userBatch = 0;
async function measure(
  label: string,
  servers: ChildServer[],
  webhookUrl: string,
  golden?: string[],
): Promise<ScenarioResult> {
  sim.setWebhookUrl(`${webhookUrl}/webhook`);
  log(`  ${label}: ${users} users × ${pizzaScript.length} messages, ${inFlight} in flight…`);
  const result = await runClosedLoop({
    sim,
    phoneNumberId: PHONE,
    users,
    inFlight,
    script: golden ? pizzaScript : pizzaScript.map(() => ({ send: 'hi', replies: 1 })),
    golden,
    userPrefix: `31${String(++userBatch).padStart(2, '0')}`,
  });
  const metrics = await Promise.all(servers.map((s) => s.metricsText()));
  const delays = metrics.map(maxEventLoopDelayMs).filter((d): d is number => d !== null);
  return {
    ...result,
    rssMb: Math.max(...servers.map((s) => s.peakRssMb())),
    maxEventLoopDelayMs: delays.length ? Math.max(...delays) : null,
  };
}

async function goldenRun(): Promise<string[]> {
  const waId = '3199000000';
  for (const turn of pizzaScript) {
    await sim.userSends({ waId, name: 'Bench' }, turn.send, { phoneNumberId: PHONE });
    await sim.waitForReplies(waId, turn.replies, 30_000);
  }
  return sim
    .conversation(waId)
    .filter((m) => m.direction === 'bot')
    .map(fingerprint);
}

async function lowdbScenario(seed: number, label: string) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-bench-'));
  try {
    log(`${label}: seeding ${seed} conversations…`);
    await seedConversations({ dataDir, phoneNumberId: PHONE, count: seed });
    const server = await startParleyProcess(parleyEnv({ DATA_DIR: dataDir }), label);
    try {
      sim.setWebhookUrl(`${server.url}/webhook`);
      const golden = await goldenRun();
      const closed = await measure(label, [server], server.url, golden);
      let open: ScenarioResult | undefined;
      if (seed === bigSeed) {
        log(`  open loop: ${openRate} messages/s for ${openSeconds} s…`);
        const result = await runOpenLoop({
          sim,
          phoneNumberId: PHONE,
          ratePerSecond: openRate,
          seconds: openSeconds,
          turn: pizzaScript[0]!,
          userPrefix: '3277',
        });
        const metrics = await server.metricsText();
        open = { ...result, rssMb: server.peakRssMb(), maxEventLoopDelayMs: maxEventLoopDelayMs(metrics) };
      }
      return { closed, open };
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_BASE });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_BASE);
  url.pathname = `/${name}`;
  return url.toString();
}

async function postgresScenario(instances: number, label: string) {
  const databaseUrl = await freshDatabase('parley_bench');
  log(`${label}: seeding ${pgSeed} conversations in PostgreSQL…`);
  await seedConversations({ databaseUrl, phoneNumberId: PHONE, count: pgSeed });
  const dataDirs = await Promise.all(
    Array.from({ length: instances }, () => mkdtemp(path.join(tmpdir(), 'parley-bench-'))),
  );
  const servers: ChildServer[] = [];
  try {
    for (const dir of dataDirs)
      servers.push(await startParleyProcess(parleyEnv({ DATA_DIR: dir, DATABASE_URL: databaseUrl }), label));
    const proxy = instances > 1 ? await startRoundRobinProxy(servers.map((s) => s.url)) : null;
    try {
      const entry = proxy?.url ?? servers[0]!.url;
      sim.setWebhookUrl(`${entry}/webhook`);
      const golden = await goldenRun();
      return await measure(label, servers, entry, golden);
    } finally {
      await proxy?.close();
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

async function ceilingScenario(): Promise<ScenarioResult> {
  log('ceiling: bare node:http server…');
  const server = await startCeilingProcess({ APP_SECRET, GRAPH_URL: sim.graphBaseUrl!, TOKEN });
  try {
    return await measure('ceiling', [server], server.url);
  } finally {
    await server.stop();
  }
}

// --only a,b runs a subset (ceiling, lowdb, lowdb1k, postgres, postgres2) while profiling.
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(String(args[onlyIndex + 1]).split(',')) : null;
const wanted = (name: string) => !only || only.has(name);
const results: Record<string, ScenarioResult> = {};
if (wanted('ceiling')) results.ceiling = await ceilingScenario();
if (wanted('lowdb')) {
  const big = await lowdbScenario(bigSeed, 'lowdb');
  results.lowdb = big.closed;
  if (big.open) results.openLoop = big.open;
}
if (wanted('lowdb1k')) results.lowdb1k = (await lowdbScenario(smallSeed, 'lowdb1k')).closed;
if (!flag('skip-postgres')) {
  if (wanted('postgres')) results.postgres = await postgresScenario(1, 'postgres');
  if (wanted('postgres2')) results.postgres2 = await postgresScenario(2, 'postgres2');
}
const ceiling = results.ceiling?.repliesPerSecond;
for (const [name, r] of Object.entries(results)) {
  if (ceiling && name !== 'ceiling' && name !== 'openLoop')
    r.ceilingRatio = Math.round((r.repliesPerSecond / ceiling) * 100) / 100;
}
await sim.close();

if (json) {
  process.stdout.write(`${JSON.stringify({ users, inFlight, seed: bigSeed, pgSeed, results }, null, 2)}\n`);
} else {
  const rows = Object.entries(results).map(([name, r]) => [
    name,
    r.repliesPerSecond,
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
  ]);
  const header = [
    'run',
    'replies/s',
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
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: unknown[]) => cells.map((c, i) => String(c).padStart(widths[i]!)).join('  ');
  process.stdout.write(`\n${line(header)}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write(
    `\n${users} users × ${pizzaScript.length} messages, ${inFlight} in flight; lowdb seeded with ${bigSeed} (lowdb1k: ${smallSeed}), PostgreSQL with ${pgSeed}; open loop ${openRate}/s for ${openSeconds} s.\n`,
  );
}
process.exit(0);
