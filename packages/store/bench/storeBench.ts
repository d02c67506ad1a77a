/*
 * Store benchmark: commit cost at 1,000 and 100,000 stored conversations.
 *   npm run bench:store [-- --json] [-- --sizes=1000,100000] [-- --commits=3000] [-- --no-fsync]
 *   npm run bench:store -- --store=postgres   (uses TEST_DATABASE_URL, a throw-away schema)
 * Seeding writes the documents directly (as the store would), then the store is opened: its
 * init time (index rebuild) and RSS are reported, then commits run against random conversations.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createLowdbStore } from '../src/lowdb/createLowdbStore.js';
import { createPostgresStore } from '../src/postgres/createPostgresStore.js';
import type { Store } from '../src/Store.js';
import { conversationPath, emptyDocument } from '../src/lowdb/conversationDocument.js';
import { makeConversation, makeOutbox, makeTranscript, makeUnit } from '../src/conformance/fixtures.js';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key!, value ?? 'true'];
  }),
);
const sizes = (args.get('sizes') ?? '1000,100000').split(',').map(Number);
const commits = Number(args.get('commits') ?? 3000);
const concurrency = Number(args.get('concurrency') ?? 32);
const fsync = !args.has('no-fsync');
const asJson = args.has('json');
const kind = args.get('store') ?? 'lowdb';

function snapshotFor(i: number) {
  return {
    value: { flow: 'ask-order' },
    context: { step: i, answers: Array.from({ length: 8 }, (_, k) => `answer ${k} of ${i}`) },
    status: 'active',
    children: {},
  };
}

async function seed(dataDir: string, count: number): Promise<void> {
  for (let shard = 0; shard < 256; shard += 1) {
    await mkdir(join(dataDir, 'conversations', shard.toString(16).padStart(2, '0')), { recursive: true });
  }
  for (let i = 0; i < count; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - i) }, async (_, k) => {
        const n = i + k;
        const userId = `31600${String(n).padStart(7, '0')}`;
        const conversation = makeConversation(userId, {
          snapshot: snapshotFor(n),
          vars: { name: `User ${n}`, order: n },
        });
        const doc = {
          ...emptyDocument(conversation.id),
          conversation,
          transcript: [0, 1, 2, 3].map((t) =>
            makeTranscript(userId, `t-${n}-${t}`, 1_000 + t, `message ${t} from ${n}`),
          ),
          outbox: [{ ...makeOutbox(userId, `o-${n}`, 1, `reply to ${n}`), status: 'delivered' }],
        };
        await writeFile(conversationPath(dataDir, conversation.id), JSON.stringify(doc));
      }),
    );
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Seeds PostgreSQL in one statement per size (generate_series), as the store would have written it. */
async function seedPostgres(url: string, schema: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const template = makeConversation('TEMPLATE', { snapshot: snapshotFor(0) });
    await client.query(
      `INSERT INTO "${schema}".conversations (id, phone_number_id, user_id, bot_id, status, revision, updated_at, data)
       SELECT '1055:' || u, '1055', u, 'bot-1', 'waiting', 1, 1000, replace($1::text, 'TEMPLATE', u)::jsonb
       FROM (SELECT '31600' || lpad(n::text, 7, '0') AS u FROM generate_series(0, $2::int - 1) AS n) users`,
      [JSON.stringify(template), count],
    );
    await client.query(
      `INSERT INTO "${schema}".transcript (id, conversation_id, at, data)
       SELECT 't-' || n || '-' || t, '1055:31600' || lpad(n::text, 7, '0'), 1000 + t,
              jsonb_build_object('id', 't-' || n || '-' || t, 'direction', 'in', 'text', 'message ' || t)
       FROM generate_series(0, $1::int - 1) AS n, generate_series(0, 3) AS t`,
      [count],
    );
    await client.query(`ANALYZE`);
  } finally {
    await client.end();
  }
}

async function openStore(
  count: number,
): Promise<{ store: Store; seedMs: number; cleanup: () => Promise<void> }> {
  if (kind === 'postgres') {
    const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
    if (!url) throw new Error('Set TEST_DATABASE_URL to benchmark the PostgreSQL store.');
    const schema = `parley_bench_${process.pid}_${count}`;
    const store = createPostgresStore({
      connectionString: url,
      schema,
      contentEncryption: false,
      poolSize: concurrency,
    });
    await store.init();
    const seedStart = performance.now();
    await seedPostgres(url, schema, count);
    const seedMs = performance.now() - seedStart;
    await store.close();
    const reopened = createPostgresStore({
      connectionString: url,
      schema,
      contentEncryption: false,
      poolSize: concurrency,
    });
    return {
      store: reopened,
      seedMs,
      cleanup: async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP SCHEMA "${schema}" CASCADE`);
        await client.end();
      },
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), `parley-bench-${count}-`));
  const seedStart = performance.now();
  await seed(dataDir, count);
  const seedMs = performance.now() - seedStart;
  return {
    store: createLowdbStore({ dataDir, contentEncryption: false, fsync }),
    reopen: () => createLowdbStore({ dataDir, contentEncryption: false, fsync }),
    seedMs,
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

async function runSize(count: number) {
  const opened: { store: Store; seedMs: number; cleanup: () => Promise<void>; reopen?: () => Store } =
    await openStore(count);
  const { store, seedMs, cleanup } = opened;
  try {
    const initStart = performance.now();
    await store.init();
    const initMs = performance.now() - initStart;
    globalThis.gc?.();
    const rssAfterInitMb = process.memoryUsage().rss / 1e6;
    const revisions = new Map<number, number>();
    const latencies: number[] = [];
    let next = 0;
    const pick = () => Math.floor(Math.random() * count);
    const one = async () => {
      const n = pick();
      if (revisions.get(n) === -1) return; // another commit to it is in flight
      const userId = `31600${String(n).padStart(7, '0')}`;
      const revision = revisions.get(n) ?? 1;
      revisions.set(n, -1);
      const seq = (next += 1);
      const unit = makeUnit(
        makeConversation(userId, {
          revision: revision + 1,
          snapshot: snapshotFor(n),
          updatedAt: 2_000 + seq,
        }),
        {
          expectedRevision: revision,
          outbox: [makeOutbox(userId, `bench-${seq}`, revision + 1, `answer ${seq}`)],
          transcript: [makeTranscript(userId, `bench-t-${seq}`, 2_000 + seq, `question ${seq}`)],
        },
      );
      const start = performance.now();
      const result = await store.commit(unit);
      latencies.push(performance.now() - start);
      if (!result.ok) throw new Error('conflict in the benchmark');
      revisions.set(n, revision + 1);
    };
    // Sequential: the cost of one commit.
    for (let i = 0; i < Math.min(500, commits); i += 1) await one();
    const sequential = [...latencies].sort((a, b) => a - b);
    latencies.length = 0;
    // Concurrent: throughput with `concurrency` commits in flight (different conversations).
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (done < commits) {
          done += 1;
          await one();
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const concurrent = [...latencies].sort((a, b) => a - b);
    const rssMb = process.memoryUsage().rss / 1e6;
    const closeStart = performance.now();
    await store.close();
    const closeMs = performance.now() - closeStart;
    // A restart after a clean shutdown (lowdb: from the index snapshot, not a scan of every document).
    let restartMs: number | undefined;
    if (opened.reopen) {
      const again = opened.reopen();
      const restartStart = performance.now();
      await again.init();
      restartMs = Math.round(performance.now() - restartStart);
      await again.close();
    }
    return {
      store: kind,
      conversations: count,
      fsync,
      seedMs: Math.round(seedMs),
      initMs: Math.round(initMs),
      sequentialCommitMs: {
        p50: +percentile(sequential, 50).toFixed(2),
        p99: +percentile(sequential, 99).toFixed(2),
      },
      concurrentCommitMs: {
        p50: +percentile(concurrent, 50).toFixed(2),
        p99: +percentile(concurrent, 99).toFixed(2),
      },
      commitsPerSecond: Math.round(concurrent.length / seconds),
      /** CPU time (user + system) of this process per commit in the concurrent phase: meaningful on a shared machine. */
      cpuMsPerCommit: +((cpu.user + cpu.system) / 1000 / concurrent.length).toFixed(3),
      closeMs: Math.round(closeMs),
      restartMs,
      concurrency,
      rssAfterInitMb: Math.round(rssAfterInitMb),
      rssMb: Math.round(rssMb),
    };
  } finally {
    await cleanup();
  }
}

const results = [];
for (const size of sizes) results.push(await runSize(size));
if (asJson) process.stdout.write(`${JSON.stringify({ store: kind, results }, null, 2)}\n`);
else {
  for (const r of results) {
    process.stdout.write(
      `${r.store} ${r.conversations.toLocaleString('en')} conversations (fsync ${r.fsync ? 'on' : 'off'}): ` +
        `init ${r.initMs} ms, commit p50 ${r.sequentialCommitMs.p50} ms / p99 ${r.sequentialCommitMs.p99} ms sequential, ` +
        `${r.commitsPerSecond} commits/s at ${r.concurrency} in flight (p50 ${r.concurrentCommitMs.p50} / p99 ${r.concurrentCommitMs.p99} ms), ` +
        `${r.cpuMsPerCommit} ms CPU per commit, RSS ${r.rssAfterInitMb} MB after init, ${r.rssMb} MB after commits, ` +
        `close ${r.closeMs} ms${r.restartMs === undefined ? '' : `, restart ${r.restartMs} ms`}\n`,
    );
  }
}
