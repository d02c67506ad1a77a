// `npm run bench`: Parley's throughput and latency against the bare ceiling, in one run.
// Four kinds of process: this load generator, the Cloud API simulator (bench/simulatorProcess.ts,
// one per scenario), the built server (or the ceiling), and PostgreSQL. Simulated users hold real
// pizza-order conversations; the simulator stamps webhook and reply times, this process decides
// who sends what and counts. Flags: --json, --quick (small sizes), --users N, --in-flight N,
// --seed N, --pg-seed N, --open-rate N, --open-seconds N, --drain-seconds N, --turn-gap-ms N,
// --only a,b, --numbers N (business phone numbers the users are dealt over; bench/numbers.ts says
// why), --skip-postgres, --pin (servers on one core, the rest on the others: for A/B comparisons).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { recordConversation, runClosedLoop, runOpenLoop } from './driver.js';
import type { Turn } from './tally.js';
import { runPacedConversations } from './pacedConversations.js';
import { pinLoadGenerator, startCeilingProcess, startParleyProcess, type ChildServer } from './processes.js';
import { startRoundRobinProxy } from '../tests/harness/roundRobinProxy.js';
import { dropDatabase, freshDatabase } from '../tests/harness/testDatabase.js';
import { holdMachineLock } from './machineLock.js';
import { formatResults, type ScenarioResult } from './report.js';
import { benchPhoneNumbers } from './numbers.js';
import { seedConversations } from './seed.js';
import { startSimulatorProcess, type SimulatorClient } from './simulatorClient.js';
import { withCosts } from './withCosts.js';

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
const drainSeconds = option('drain-seconds', 10);
/** The paced conversations' users send their turns this far apart (bench/pacedConversations.ts). */
const turnGapMs = option('turn-gap-ms', 2_000);
// Four: 2,000 replies/s of pizza-order is ~3,600 messages/s in and out, over Meta's 1,000 a number.
const phoneNumbers = benchPhoneNumbers(option('numbers', 4));
const json = flag('json');
const log = (line: string) => {
  if (!json) process.stderr.write(`${line}\n`);
};

const APP_SECRET = 'bench-app-secret';
const TOKEN = 'bench-access-token';
const ADMIN = 'bench-admin-token-0123456789abcdef';
const PG_BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The pizza-order conversation every simulated user holds (4 messages, 5 replies). */
const pizzaScript: Turn[] = [
  { send: 'I would like to order a pizza', replies: 1 },
  { send: { type: 'list_reply', title: 'Pepperoni' }, replies: 1 },
  { send: '2', replies: 1 },
  { send: 'Damrak 1, Amsterdam', replies: 2 },
];
/** The ceiling answers every message with one fixed reply. */
const ceilingScript: Turn[] = pizzaScript.map(() => ({ send: 'hi', replies: 1 }));

async function withSimulator<T>(run: (sim: SimulatorClient) => Promise<T>): Promise<T> {
  const sim = await startSimulatorProcess({ APP_SECRET, TOKEN, PHONES: phoneNumbers.join(',') });
  try {
    return await run(sim);
  } finally {
    await sim.stop();
  }
}

function parleyEnv(sim: SimulatorClient, extra: Record<string, string>): Record<string, string> {
  return {
    WHATSAPP_ACCESS_TOKEN: TOKEN,
    WHATSAPP_PHONE_NUMBER_ID: phoneNumbers[0]!,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: 'bench-verify',
    GRAPH_API_BASE_URL: sim.graphBaseUrl,
    ADMIN_TOKEN: ADMIN,
    BOT_FLOW: 'pizza-order',
    // The upgraded throughput tier: the default 80/s is Meta's entry tier, not Parley's limit.
    OUTBOX_RATE_PER_SECOND: '1000',
    // BENCH_DATA_ENCRYPTION_KEY measures the store with content encryption on (off by default).
    DATA_ENCRYPTION_KEY: process.env.BENCH_DATA_ENCRYPTION_KEY ?? '',
    ...extra,
  };
}

let userBatch = 0;
async function closedLoop(
  label: string,
  sim: SimulatorClient,
  servers: ChildServer[],
  webhookUrl: string,
  script: Turn[],
  golden?: string[],
  options: { postgres?: boolean } = {},
): Promise<ScenarioResult> {
  await sim.setup(
    `${webhookUrl}/webhook`,
    script.map((t) => t.send),
  );
  log(`  ${label}: ${users} users × ${script.length} messages, ${inFlight} in flight…`);
  return withCosts(
    sim,
    servers,
    () =>
      runClosedLoop({
        sim,
        users,
        inFlight,
        script,
        golden,
        userPrefix: `31${String(++userBatch).padStart(2, '0')}`,
      }),
    options,
  );
}

async function goldenRun(sim: SimulatorClient, webhookUrl: string): Promise<string[]> {
  await sim.setup(
    `${webhookUrl}/webhook`,
    pizzaScript.map((t) => t.send),
  );
  return recordConversation(sim, '3199000000', pizzaScript);
}

/** Dirty page cache waiting to be written back, in MB (Linux; 0 elsewhere). */
function dirtyMb(): number {
  try {
    const match = /^Dirty:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/**
 * Writes back what the seeding (and the scenario before) left in the page cache, so that the
 * kernel's writeback does not share the disk and the cores with the load: seeding 100,000
 * conversations leaves ~460 MB of dirty pages, 1.6 s of writeback on this kind of machine.
 */
function settleDisk(): void {
  const dirty = dirtyMb();
  const started = performance.now();
  execFileSync('sync');
  const ms = Math.round(performance.now() - started);
  if (ms > 100) log(`  (wrote back ${dirty} MB of dirty pages first: ${ms} ms)`);
}

async function lowdbScenario(seed: number, label: string) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-bench-'));
  try {
    log(`${label}: seeding ${seed} conversations…`);
    await seedConversations({ dataDir, phoneNumbers, count: seed });
    settleDisk();
    return await withSimulator(async (sim) => {
      const server = await startParleyProcess(parleyEnv(sim, { DATA_DIR: dataDir }), label);
      try {
        const golden = await goldenRun(sim, server.url);
        const closed = await closedLoop(label, sim, [server], server.url, pizzaScript, golden);
        let open: ScenarioResult | undefined;
        let paced: ScenarioResult | undefined;
        // `--open-seconds 0` skips both open loops (a closed loop alone, for comparing versions).
        if (seed === bigSeed && openSeconds > 0) {
          log(`  open loop: ${openRate} messages/s for ${openSeconds} s…`);
          await sim.setup(`${server.url}/webhook`, [pizzaScript[0]!.send]);
          open = await withCosts(sim, [server], () =>
            runOpenLoop({
              sim,
              ratePerSecond: openRate,
              seconds: openSeconds,
              turn: pizzaScript[0]!,
              userPrefix: '3277',
              drainMs: drainSeconds * 1000,
            }),
          );
          if (open.problem) log(`  open loop: ${open.problem}`);
          log(
            `  paced conversations: ${openRate} messages/s for ${openSeconds} s, turns ${turnGapMs} ms apart…`,
          );
          await sim.setup(
            `${server.url}/webhook`,
            pizzaScript.map((t) => t.send),
          );
          paced = await withCosts(sim, [server], () =>
            runPacedConversations({
              sim,
              ratePerSecond: openRate,
              seconds: openSeconds,
              script: pizzaScript,
              golden,
              userPrefix: '3278',
              turnGapMs,
              drainMs: drainSeconds * 1000,
            }),
          );
          if (paced.problem) log(`  paced conversations: ${paced.problem}`);
        }
        return { closed, open, paced };
      } finally {
        await server.stop();
      }
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

// Per process, so two benchmark runs on one machine do not drop each other's database.
const benchDatabase = `parley_bench_${process.pid}`;

/** Transactions the database committed or rolled back so far (statements outside BEGIN count one each). */
async function databaseTransactions(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/**
 * After seeding, what a database in service would have: statistics of the seeded tables and the
 * seeding's writes checkpointed, so the run pays for neither. Before, runs met autovacuum's first
 * analyze or a checkpoint at random, and one server's PostgreSQL CPU per reply varied 0.6–1.1 ms.
 */
async function settleDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE');
    // Superusers (and pg_checkpoint) only: without it the run may meet a checkpoint.
    await client
      .query('CHECKPOINT')
      .catch((error: Error) => log(`  (no checkpoint first: ${error.message})`));
  } finally {
    await client.end();
  }
}

/**
 * `brandNew`: a new deployment taking traffic at once: its bots and flow, and no conversation
 * stored or analyzed, so every prepared statement is planned before any statistics exist
 * (autovacuum's first analyze comes a minute or more later). A plan that only suits such a table
 * shows as a run that slows down on the way (its slowest 5 s). The other hazard, a queue analyzed
 * while empty, is the seeded run's: its inbox and outbox are empty when it is analyzed (the
 * outbox claim's generic plan collapsed it, the tenth session).
 */
async function postgresScenario(instances: number, label: string, options: { brandNew?: boolean } = {}) {
  const databaseUrl = await freshDatabase(benchDatabase, PG_BASE);
  if (options.brandNew) {
    log(`${label}: a brand-new PostgreSQL database (the bots, no conversation, no statistics)…`);
    await seedConversations({ databaseUrl, phoneNumbers, count: 0 });
  } else {
    log(`${label}: seeding ${pgSeed} conversations in PostgreSQL…`);
    await seedConversations({ databaseUrl, phoneNumbers, count: pgSeed });
    await settleDatabase(databaseUrl);
  }
  settleDisk();
  const dataDirs = await Promise.all(
    Array.from({ length: instances }, () => mkdtemp(path.join(tmpdir(), 'parley-bench-'))),
  );
  try {
    let transactionsBefore = 0;
    const result = await withSimulator(async (sim) => {
      const servers: ChildServer[] = [];
      try {
        for (const dir of dataDirs)
          servers.push(
            await startParleyProcess(parleyEnv(sim, { DATA_DIR: dir, DATABASE_URL: databaseUrl }), label),
          );
        // One instance goes through the same proxy as two, so the comparison pays the same hop
        // (the proxy runs in this process and shares the machine's cores).
        const proxy = await startRoundRobinProxy(servers.map((s) => s.url));
        try {
          const entry = proxy.url;
          const golden = await goldenRun(sim, entry);
          transactionsBefore = await databaseTransactions(databaseUrl);
          return await closedLoop(label, sim, servers, entry, pizzaScript, golden, { postgres: true });
        } finally {
          await proxy.close();
        }
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    });
    // Read once the servers stopped: a backend reports its counts when it ends (or at most once a second).
    const transactions = (await databaseTransactions(databaseUrl)) - transactionsBefore;
    result.pgTransactionsPerReply = Math.round((transactions / Math.max(1, result.replies)) * 100) / 100;
    return result;
  } finally {
    await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
    await dropDatabase(benchDatabase, PG_BASE);
  }
}

async function ceilingScenario(): Promise<ScenarioResult> {
  log('ceiling: bare node:http server…');
  return withSimulator(async (sim) => {
    const server = await startCeilingProcess({ APP_SECRET, GRAPH_URL: sim.graphBaseUrl, TOKEN });
    try {
      return await closedLoop('ceiling', sim, [server], server.url, ceilingScript);
    } finally {
      await server.stop();
    }
  });
}

// --only a,b runs a subset (ceiling, lowdb, lowdb1k, postgres, postgres2, postgresNew) while profiling.
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(String(args[onlyIndex + 1]).split(',')) : null;
const wanted = (name: string) => !only || only.has(name);
await holdMachineLock((line) => process.stderr.write(`${line}\n`));
if (flag('pin')) pinLoadGenerator();
const results: Record<string, ScenarioResult> = {};
if (wanted('ceiling')) results.ceiling = await ceilingScenario();
if (wanted('lowdb')) {
  const big = await lowdbScenario(bigSeed, 'lowdb');
  results.lowdb = big.closed;
  if (big.open) results.openLoop = big.open;
  if (big.paced) results.openLoopConversations = big.paced;
}
if (wanted('lowdb1k')) results.lowdb1k = (await lowdbScenario(smallSeed, 'lowdb1k')).closed;
if (!flag('skip-postgres')) {
  if (wanted('postgres')) results.postgres = await postgresScenario(1, 'postgres');
  if (wanted('postgres2')) results.postgres2 = await postgresScenario(2, 'postgres2');
  if (wanted('postgresNew'))
    results.postgresNew = await postgresScenario(1, 'postgresNew', { brandNew: true });
}
const ceiling = results.ceiling?.repliesPerSecond;
for (const [name, r] of Object.entries(results)) {
  if (ceiling && name !== 'ceiling') r.ceilingRatio = Math.round((r.repliesPerSecond / ceiling) * 100) / 100;
}

if (json) {
  process.stdout.write(
    // The scenarios at the top level (`.lowdb.repliesPerSecond`), the run's settings beside them.
    `${JSON.stringify({ ...results, settings: { users, inFlight, numbers: phoneNumbers.length, seed: bigSeed, pgSeed } }, null, 2)}\n`,
  );
} else {
  process.stdout.write(formatResults(results));
  process.stdout.write(
    `\n${users} users × ${pizzaScript.length} messages, ${inFlight} in flight, over ${phoneNumbers.length} business number(s); lowdb seeded with ${bigSeed} (lowdb1k: ${smallSeed}), PostgreSQL with ${pgSeed} (postgresNew: a brand-new database, only its bots and flow, no statistics); open loop ${openRate}/s for ${openSeconds} s (drain ${drainSeconds} s): first messages of new conversations (openLoop), then whole conversations with turns ${turnGapMs} ms apart (openLoopConversations). CPU columns: ms per reply of this load generator, the simulator process (sim busy: the fraction of the run its event loop was busy; near 1 the latencies include its queue), the server process(es) (srv: all threads; main: the event loop alone, what one instance cannot spread over cores) and every PostgreSQL process (pg; tx/r: transactions of the bench database per reply); slowest 5 s: replies/s in the closed loop's slowest whole 5 seconds after warm-up; cores (PostgreSQL not counted): the CPU all of them used over the run's wall time (below ${os.cpus().length} while others share the machine).\n`,
  );
}
process.exit(0);
