// Issue item 5 — multi-instance: 3 servers on one PostgreSQL behind a round-robin front, one
// killed -9 mid-run. No conversation processed by two instances at once (seen as replies out of
// order or doubled), no duplicates, and the killed instance's claims recovered (timed).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '@parley/simulator';
import { outboxDepth } from '../harness/adminApi.js';
import { duplicateDetails } from '../harness/duplicateDetails.js';
import { echoFlow, echoOf, flowsDirWith } from '../harness/faultFlows.js';
import { startGraphProxy, type GraphProxy } from '../harness/graphProxy.js';
import {
  botTexts,
  compareReplies,
  removeDir,
  serverEnv,
  startFaultSimulator,
  tempDataDir,
} from '../harness/faultRig.js';
import { percentile, report, scaled, sleep, waitUntil } from '../harness/faultScale.js';
import { startServerProcess, type ServerProcess } from '../harness/serverProcess.js';
import { dropDatabase, freshDatabase, postgresAvailable } from '../harness/testDatabase.js';
import { auditTranscripts } from '../harness/transcriptAudit.js';
import { startWebhookTee } from '../harness/webhookTee.js';
import { classifyOrder, inboxOrder, orderDetails, type PostRecord } from '../harness/orderDetails.js';

const CONVERSATIONS = scaled(60, 300);
const PAIRS = scaled(5, 17); // each turn is a pair of messages sent back to back: 300 × 17 × 2 ≈ 10,000
const INSTANCES = 3;
// Per process: two runs at once (several people on one machine) must not drop each other's.
const DB = `parley_faults_multi_${process.pid}`;
const hasPostgres = await postgresAvailable('faults/multiInstance');

describe.skipIf(!hasPostgres)('multi-instance on one PostgreSQL', () => {
  const unacknowledged: Array<Record<string, unknown>> = [];
  let sim: Simulator;
  let flowsDir: string;
  beforeAll(async () => {
    sim = await startFaultSimulator({
      maxMessagesPerUser: 200,
      // Every unacknowledged delivery (first or redelivery): status and attempt, for the figures.
      log: { warn: (fields) => unacknowledged.push(fields) },
    });
    flowsDir = await flowsDirWith([echoFlow]);
  });
  afterAll(async () => {
    await sim?.close();
    if (flowsDir) await removeDir(flowsDir);
    await dropDatabase(DB).catch(() => undefined);
  });

  it('no overlap, no duplicates, the killed instance’s claims recovered', async () => {
    const databaseUrl = await freshDatabase(DB);
    const dirs = await Promise.all(Array.from({ length: INSTANCES }, () => tempDataDir()));
    // One Graph proxy per instance: a duplicate's attempts show which instance sent them, when.
    const proxies: GraphProxy[] = await Promise.all(
      dirs.map((_, i) => startGraphProxy(sim.graphBaseUrl!, () => `i${i}`)),
    );
    const t0 = Date.now();
    // The simulator, the front and the proxies share this process: its lag delays every webhook.
    const lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    const servers: Array<ServerProcess | undefined> = [];
    for (const [i, dir] of dirs.entries())
      servers.push(
        await startServerProcess(
          serverEnv(sim, {
            DATA_DIR: dir,
            FLOWS_DIR: flowsDir,
            BOT_FLOW: 'echo',
            DATABASE_URL: databaseUrl,
            GRAPH_API_BASE_URL: proxies[i]!.url,
          }),
        ),
      );
    let next = 0;
    const front = await startWebhookTee({
      targets: () => servers.filter((s): s is ServerProcess => !!s).map((s) => `${s.url}/webhook`),
      plan: () => [],
      route: (targets) => targets[next++ % targets.length]!,
    });
    sim.setWebhookUrl(front.url);
    const users = Array.from({ length: CONVERSATIONS }, (_, i) => `31760${String(i).padStart(6, '0')}`);
    const expected = Array.from({ length: PAIRS * 2 }, (_, k) => echoOf(`p${k}`));
    const outstanding = new Map<string, string>(); // user → the reply it waits for
    const posts = new Map<string, PostRecord[]>(users.map((user) => [user, []]));
    // userSends resolves with the first delivery's status; a failed one is redelivered later.
    const post = async (user: string, text: string) => {
      const at = Date.now();
      const { status } = await sim.userSends({ waId: user, name: 'Multi' }, text);
      posts.get(user)!.push({ text, status, at: at - t0, tookMs: Date.now() - at });
    };
    try {
      let turnsDone = 0;
      const totalTurns = CONVERSATIONS * PAIRS * 2;
      const conversations = Promise.all(
        users.map(async (user, i) => {
          await sleep(i * 10);
          for (let p = 0; p < PAIRS; p++) {
            const a = `p${2 * p}`;
            const b = `p${2 * p + 1}`;
            outstanding.set(user, echoOf(b));
            // Back to back: the round-robin front sends them to different instances.
            await post(user, a);
            await post(user, b);
            await waitUntil(() => botTexts(sim, user).includes(echoOf(b)), 90_000, 50);
            outstanding.delete(user);
            turnsDone += 2;
          }
        }),
      );
      await waitUntil(() => turnsDone >= totalTurns / 2, 300_000, 100);
      // Kill one instance mid-run; what it had claimed must be taken over by the others.
      const victim = servers[1]!;
      servers[1] = undefined;
      const stuck = new Map(outstanding);
      await victim.crash();
      const killedAt = Date.now();
      await waitUntil(
        () => [...stuck].every(([user, want]) => botTexts(sim, user).includes(want)),
        120_000,
        50,
      );
      const recoveryMs = Date.now() - killedAt;
      await conversations;
      // A row left pending (a retry after an ambiguous send) would go out again later: wait until
      // the outbox has settled, so a late blind resend is counted, not missed.
      const live = servers[0]!.url;
      const settled = await waitUntil(async () => (await outboxDepth(live)) === 0, 150_000, 500);
      await sleep(2000);
      // Three instances took the webhooks and one died mid-run: each message, reply and status
      // must still be told once in the conversations people read.
      const transcripts = await auditTranscripts(live, users);
      const sends = proxies.flatMap((proxy) => proxy.sends());
      let lost = 0;
      let duplicates = 0;
      let usersOutOfOrder = 0;
      const unorderable: string[] = [];
      const serverOutOfOrder: Array<{ user: string } & ReturnType<typeof classifyOrder>> = [];
      const stored = await inboxOrder(databaseUrl, (event) => {
        if (!event.includes('"user.message"')) return undefined;
        const user = /"(31760\d{6})"/.exec(event)?.[1];
        const text = /"(p\d+)"/.exec(event)?.[1];
        return user && text ? { user, text } : undefined;
      });
      const duplicated: Array<Record<string, unknown>> = [];
      const outOfOrder: Array<Record<string, unknown>> = [];
      for (const user of users) {
        const texts = botTexts(sim, user);
        const r = compareReplies(texts, expected);
        for (const want of expected) {
          const n = texts.filter((t) => t === want).length;
          if (n > 1 && duplicated.length < 10)
            duplicated.push({
              inFlightAtKill: stuck.has(user),
              killedAt: killedAt - t0,
              ...(await duplicateDetails({ sim, userId: user, text: want, sends, t0, baseUrl: live })),
            });
        }
        lost += r.lost;
        duplicates += r.duplicates;
        // The server answers for the inbox's arrival order and for what it acknowledged; a
        // message whose first delivery failed may be stored after its successor (see orderDetails).
        const order = classifyOrder({
          sent: posts.get(user)!,
          stored: stored.get(user) ?? [],
          answered: [...new Set(texts)].map((t) => t.replace(/^echo /, '')),
        });
        if (order.unorderable.length) unorderable.push(user);
        if (order.storedOutOfOrder.length || order.processedOutOfOrder.length)
          serverOutOfOrder.push({ user, ...order });
        if (r.outOfOrder) usersOutOfOrder++;
      }
      const allPosts = [...posts.values()].flat();
      const badPosts = allPosts.filter((p) => p.status !== 200);
      const postTimes = () => {
        const slowest = allPosts.reduce((m, p) => (p.tookMs > m.tookMs ? p : m));
        const took = allPosts.map((p) => p.tookMs);
        return `${percentile(took, 50)}/${percentile(took, 99)}/${slowest.tookMs}@${slowest.at}`;
      };
      for (const user of [...serverOutOfOrder.slice(0, 5).map((v) => v.user), ...unorderable.slice(0, 2)])
        outOfOrder.push(
          orderDetails({
            sim,
            userId: user,
            posts: posts.get(user)!,
            stored: stored.get(user) ?? [],
            sends,
            t0,
          }),
        );
      const logs = servers
        .concat(victim)
        .map((s) => s?.output() ?? '')
        .join('\n');
      const warnings = Object.fromEntries(
        [
          'commit conflict',
          'inbox row failed',
          'leases lost',
          'claiming inbox rows failed',
          'could not be stored',
          'recovered from an expired lease',
        ].map((w) => [w, logs.split(w).length - 1]),
      );
      report('5 multi-instance/postgres', {
        instances: INSTANCES,
        conversations: CONVERSATIONS,
        turns: totalTurns,
        inFlightAtKill: stuck.size,
        recoveryMs,
        sendAttempts: sends.length,
        lost,
        duplicates,
        usersOutOfOrder,
        unorderable: unorderable.length,
        serverOutOfOrder: serverOutOfOrder.length,
        firstDeliveriesFailed: badPosts.length,
        // Webhooks (user messages and statuses) not answered 200, by status#attempt.
        unacknowledged: unacknowledged.reduce<Record<string, number>>((m, u) => {
          const key = `${String(u.status)}#${String(u.attempt)}`;
          return { ...m, [key]: (m[key] ?? 0) + 1 };
        }, {}),
        failedStatuses: badPosts.reduce<Record<number, number>>(
          (m, p) => ({ ...m, [p.status]: (m[p.status] ?? 0) + 1 }),
          {},
        ),
        // How long a webhook took to be answered (ms): p50, p99, max@when.
        postMs: postTimes(),
        killedAt: killedAt - t0,
        testLoopLagMs: { p99: Math.round(lag.percentile(99) / 1e6), max: Math.round(lag.max / 1e6) },
        warnings,
        webhooks: sim.stats().webhooks,
        duplicated,
        outOfOrder,
        transcripts,
      });
      expect(settled).toBe(true);
      expect(lost).toBe(0);
      expect(duplicates).toBe(0);
      expect(transcripts.repeated).toBe(0);
      expect(serverOutOfOrder).toEqual([]);
      expect([...stuck].every(([user, want]) => botTexts(sim, user).includes(want))).toBe(true);
    } finally {
      lag.disable();
      await Promise.all(servers.map((s) => s?.stop()));
      await front.close();
      await Promise.all(proxies.map((proxy) => proxy.close()));
      await Promise.all(dirs.map((d) => removeDir(d)));
    }
  });
});
