// Issue item 2 — crash soak: conversations run while the server is killed -9 every 2-5 s; the
// simulator redelivers every webhook not answered with 200 (like Meta). Then drain and count.
// Turns are spread over the whole kill window (a kill that hits no traffic proves nothing), and a
// Graph proxy logs every send attempt so a duplicate can be traced to its outbox row and attempts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '@parley/simulator';
import { outboxDepth } from '../harness/adminApi.js';
import { duplicateDetails } from '../harness/duplicateDetails.js';
import { echoFlow, echoOf, flowsDirWith } from '../harness/faultFlows.js';
import { startGraphProxy, type GraphProxy } from '../harness/graphProxy.js';
import { botTexts, removeDir, serverEnv, startFaultSimulator, tempDataDir } from '../harness/faultRig.js';
import { report, scaled, sleep, waitUntil } from '../harness/faultScale.js';
import { startServerProcess, type ServerProcess } from '../harness/serverProcess.js';
import { dropDatabase, freshDatabase, postgresAvailable } from '../harness/testDatabase.js';
import { auditTranscripts } from '../harness/transcriptAudit.js';
import { startWebhookTee } from '../harness/webhookTee.js';

const CONVERSATIONS = scaled(50, 500);
const TURNS = scaled(5, 10);
const CYCLES = scaled(5, 20);
/** Mean pause between a reply and the next turn: the turns of a conversation span the kill window. */
const THINK_MS = Math.round((0.8 * CYCLES * 3500) / TURNS);
/** Server log lines that mean a send may have reached the user twice. */
const POSSIBLE_DUPLICATE = /possible duplicate/;
const DB = 'parley_faults_soak';
const hasPostgres = await postgresAvailable('faults/crashSoak');

describe('crash soak', () => {
  let sim: Simulator;
  let flowsDir: string;
  let proxy: GraphProxy;
  /** Which server generation is running (tags the proxy's send log). */
  let generation = 0;
  beforeAll(async () => {
    sim = await startFaultSimulator({ maxMessagesPerUser: 200 });
    proxy = await startGraphProxy(sim.graphBaseUrl!, () => `g${generation}`);
    flowsDir = await flowsDirWith([echoFlow]);
  });
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
    if (flowsDir) await removeDir(flowsDir);
    if (hasPostgres) await dropDatabase(DB).catch(() => undefined);
  });

  async function run(store: 'lowdb' | 'postgres') {
    const dataDir = await tempDataDir();
    const databaseUrl = store === 'postgres' ? await freshDatabase(DB) : undefined;
    const env = serverEnv(sim, {
      DATA_DIR: dataDir,
      FLOWS_DIR: flowsDir,
      BOT_FLOW: 'echo',
      GRAPH_API_BASE_URL: proxy.url,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
    const t0 = Date.now();
    const firstSend = proxy.sends().length;
    let server: ServerProcess | undefined = await startServerProcess(env);
    const outputs: string[] = [];
    // A stable webhook address in front of the ever-restarting server (its port changes); while
    // the server is down the front answers 502 and the simulator redelivers.
    const front = await startWebhookTee({
      targets: () => [server ? `${server.url}/webhook` : 'http://127.0.0.1:9/webhook'],
      plan: () => [],
    });
    sim.setWebhookUrl(front.url);
    const prefix = store === 'lowdb' ? '31700' : '31710';
    const users = Array.from({ length: CONVERSATIONS }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);
    const expectedOf = () => Array.from({ length: TURNS }, (_, t) => echoOf(`${prefix} t${t}`));
    let stopKilling = false;
    let killing = true;
    let crashes = 0;
    const outstanding = new Set<string>(); // users waiting for a reply
    const sentTurns = new Map<string, number>(); // user → turns sent
    let slowTurns = 0; // not answered within 90 s: the conversation stops there
    const kills: Array<{ at: number; waiting: number; downMs: number }> = [];
    const killer = (async () => {
      while (!stopKilling && crashes < CYCLES) {
        await sleep(2000 + Math.floor(Math.random() * 3000));
        // Aim the kill at work in progress: on a quiet machine a reply takes milliseconds, so a
        // kill at a random moment often finds nobody waiting and proves nothing.
        const aimUntil = Date.now() + 3000;
        while (outstanding.size === 0 && Date.now() < aimUntil) await sleep(1);
        const victim = server!;
        server = undefined;
        const waiting = outstanding.size;
        await victim.crash();
        const killedAt = Date.now();
        outputs.push(victim.output());
        crashes++;
        generation++;
        server = await startServerProcess(env);
        kills.push({ at: killedAt - t0, waiting, downMs: Date.now() - killedAt });
      }
      killing = false;
    })();
    try {
      const started = Date.now();
      const conversations = Promise.all(
        users.map(async (user, i) => {
          await sleep(i * 20); // ramp up
          for (let t = 0; t < TURNS; t++) {
            const want = echoOf(`${prefix} t${t}`);
            outstanding.add(user);
            sentTurns.set(user, t + 1);
            await sim.userSends({ waId: user, name: 'Soak' }, `${prefix} t${t}`);
            const answered = await waitUntil(() => botTexts(sim, user).includes(want), 90_000, 100);
            outstanding.delete(user);
            if (!answered) {
              slowTurns++;
              return;
            }
            // Once the killing is over, the rest is sent at once: that backlog is the drain.
            if (killing) await sleep(Math.floor(Math.random() * 2 * THINK_MS));
          }
        }),
      );
      await killer;
      const lastRestart = Date.now();
      await conversations;
      const drainMs = Date.now() - lastRestart;
      // A row left pending (a retry after an ambiguous send) would go out again later: wait until
      // the outbox has settled, so a late blind resend is counted, not missed.
      const settled = await waitUntil(async () => (await outboxDepth(server!.url)) === 0, 150_000, 500);
      const settleMs = Date.now() - lastRestart - drainMs;
      await sleep(3000); // and the status webhooks of the last sends
      let lost = 0;
      let duplicates = 0;
      let outOfOrder = 0;
      const duplicated: Array<Record<string, unknown>> = [];
      const expected = expectedOf();
      const sends = proxy.sends().slice(firstSend);
      for (const user of users) {
        const texts = botTexts(sim, user);
        for (const [turn, want] of expected.entries()) {
          const n = texts.filter((t) => t === want).length;
          // Lost: a message the user sent that never got its reply (turns never sent are not).
          if (n === 0 && turn < (sentTurns.get(user) ?? 0)) lost++;
          if (n > 1) {
            duplicates += n - 1;
            if (duplicated.length < 10)
              duplicated.push(
                await duplicateDetails({ sim, userId: user, text: want, sends, t0, baseUrl: server?.url }),
              );
          }
        }
        const firsts = [...new Set(texts)].filter((t) => expected.includes(t));
        if (firsts.join('|') !== expected.slice(0, firsts.length).join('|')) outOfOrder++;
      }
      outputs.push(server?.output() ?? '');
      const warnings = outputs
        .flatMap((text) => text.split('\n'))
        .filter((line) => POSSIBLE_DUPLICATE.test(line))
        .slice(0, 10);
      // Sends Meta accepted whose answer the killed server never recorded: its status webhook
      // (our row id as callback data) must settle them, not a second send.
      // And the conversations people read tell each message, reply and status once.
      const transcripts = await auditTranscripts(server!.url, users);
      report(`2 crash-soak/${store}`, {
        conversations: CONVERSATIONS,
        turns: TURNS,
        crashes,
        waitingAtKills: kills.reduce((n, k) => n + k.waiting, 0),
        restartMs: Math.max(...kills.map((k) => k.downMs)),
        sendAttempts: sends.length,
        reconciled: transcripts.reconciled,
        lost,
        slowTurns,
        unsentTurns: users.reduce((n, user) => n + TURNS - (sentTurns.get(user) ?? 0), 0),
        duplicates,
        outOfOrder,
        drainMs,
        settleMs,
        totalMs: Date.now() - started,
        webhooks: sim.stats().webhooks,
        duplicated,
        warnings,
        transcripts,
      });
      expect(crashes).toBe(CYCLES);
      expect(settled).toBe(true);
      // The kills hit conversations in progress, or the soak proved nothing.
      expect(kills.some((k) => k.waiting > 0)).toBe(true);
      expect(lost).toBe(0);
      expect(slowTurns).toBe(0);
      expect(outOfOrder).toBe(0);
      expect(duplicates).toBe(0);
      expect(transcripts.repeated).toBe(0);
    } finally {
      stopKilling = true;
      await killer.catch(() => undefined);
      await server?.stop();
      await front.close();
      await removeDir(dataDir);
    }
  }

  it('lowdb: nothing lost, nothing doubled, nothing out of order', () => run('lowdb'));
  it.skipIf(!hasPostgres)('PostgreSQL: nothing lost, nothing doubled, nothing out of order', () =>
    run('postgres'),
  );
});
