// Issue item 6 — outbound faults: 30% of sends hit 130429, 131056, 500, 503, a stall then reset
// (after accepting) or a dropped connection; every reply still arrives once. Permanent errors
// (131047, 131026, 100) are not retried and show in the transcript with their code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '@parley/simulator';
import { conversationDetail, outboxDepth } from '../harness/adminApi.js';
import { auditTranscripts } from '../harness/transcriptAudit.js';
import { echoFlow, echoOf, flowsDirWith } from '../harness/faultFlows.js';
import {
  botTexts,
  compareReplies,
  removeDir,
  serverEnv,
  startAndAim,
  startFaultSimulator,
  tempDataDir,
} from '../harness/faultRig.js';
import { percentile, report, scaled, sleep, waitUntil } from '../harness/faultScale.js';
import { startGraphProxy, type GraphProxy } from '../harness/graphProxy.js';
import { dropDatabase, freshDatabase, postgresAvailable } from '../harness/testDatabase.js';

const USERS = scaled(30, 300);
const MESSAGES = scaled(3, 5);
const DB = 'parley_faults_outbound';
/** Longest wait for replies still being retried (a 131056 on a 6th attempt waits 4^5 s = 17 min). */
const RETRY_TAIL_MS = 18 * 60_000;
const TEST_TIMEOUT_MS = RETRY_TAIL_MS + 10 * 60_000;
const hasPostgres = await postgresAvailable('faults/outboundFaults');

const PERMANENT = [
  { code: 131047, user: '31690000001' },
  { code: 131026, user: '31690000002' },
  { code: 100, user: '31690000003' },
];

/** Six transient faults at 6% each: about 30% of sends fail at least once. */
const TRANSIENT = [
  { kind: 'graph_error', code: 130429, httpStatus: 429 },
  { kind: 'graph_error', code: 131056, httpStatus: 400, subcode: 2494055 },
  { kind: 'http_5xx', httpStatus: 500 },
  { kind: 'http_5xx', httpStatus: 503 },
  { kind: 'stall_then_reset', ms: 100 },
  { kind: 'drop' },
] as const;

describe('outbound faults', () => {
  let sim: Simulator;
  let proxy: GraphProxy;
  let flowsDir: string;
  beforeAll(async () => {
    sim = await startFaultSimulator({ unreachable: ['31690000002'] });
    proxy = await startGraphProxy(sim.graphBaseUrl!);
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
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
    const server = await startAndAim(sim, { ...env, GRAPH_API_BASE_URL: proxy.url });
    sim.faults.clear();
    const firedBefore = sim.stats().faults;
    try {
      // Permanent errors first: a rule that matches ends the request, so these always win.
      sim.faults.inject({
        match: { to: PERMANENT[0]!.user },
        fault: { kind: 'graph_error', code: 131047, httpStatus: 400 },
      });
      sim.faults.inject({
        match: { to: PERMANENT[2]!.user },
        fault: { kind: 'graph_error', code: 100, httpStatus: 400 },
      });
      // The unreachable number answers 131026 by itself, but only after the fault table: pin it
      // first too, so a transient fault can never hit its first attempt.
      sim.faults.inject({
        match: { to: PERMANENT[1]!.user },
        fault: { kind: 'graph_error', code: 131026, httpStatus: 400 },
      });
      for (const fault of TRANSIENT) sim.faults.inject({ match: { type: 'text' }, probability: 0.06, fault });
      const prefix = store === 'lowdb' ? '31680' : '31681';
      const users = Array.from({ length: USERS }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);
      const expected = Array.from({ length: MESSAGES }, (_, m) => echoOf(`${prefix} m${m}`));
      const started = Date.now();
      await Promise.all(
        users.map(async (user) => {
          for (let m = 0; m < MESSAGES; m++) {
            await sim.userSends({ waId: user, name: 'Fault' }, `${prefix} m${m}`);
            await sim.waitForReplies(user, 1, 60_000).catch(() => undefined);
          }
        }),
      );
      for (const p of PERMANENT)
        await sim.userSends({ waId: p.user, name: 'Permanent' }, `${prefix} permanent ${p.code}`);
      const allDelivered = () => users.every((u) => botTexts(sim, u).length >= MESSAGES);
      await waitUntil(allDelivered, 120_000, 200);
      // A reply still being retried is late, not lost: a 131056 is retried after 4^X s (Meta's
      // pair-rate guidance), so a message that met four other faults first waits minutes (one CI
      // run had a reply missing at 300 s). Wait while the server still holds unsettled rows.
      await waitUntil(
        async () => allDelivered() || (await outboxDepth(server.url)) === 0,
        RETRY_TAIL_MS,
        1000,
      );
      const deliveredMs = Date.now() - started;
      await sleep(2000); // retries of permanent errors, and duplicates, would show up here
      let lost = 0;
      let duplicates = 0;
      let outOfOrder = 0;
      const attempts = proxy.attempts();
      for (const user of users) {
        const r = compareReplies(botTexts(sim, user), expected);
        lost += r.lost;
        duplicates += r.duplicates;
        outOfOrder += r.outOfOrder;
        if (r.lost > 0) {
          // What the next reader needs to tell why: what arrived, how often each was tried, and
          // the conversation as the server has it (its transcript names each attempt's error).
          const tries = proxy.sends().filter((send) => send.key.startsWith(`${user}|`));
          const detail = await conversationDetail(server.url, user).catch((error: unknown) => String(error));
          process.stderr.write(
            `[faults] lost for ${user}: got ${JSON.stringify(botTexts(sim, user))}, attempts ${JSON.stringify(tries)}\n${JSON.stringify(detail)}\n`,
          );
        }
      }
      const retries = users.flatMap((u) => expected.map((t) => (attempts.get(`${u}|${t}`) ?? 1) - 1));
      const permanent = await Promise.all(
        PERMANENT.map(async (p) => {
          const detail = await conversationDetail(server.url, p.user);
          const tries = attempts.get(`${p.user}|${echoOf(`${prefix} permanent ${p.code}`)}`) ?? 0;
          return {
            code: p.code,
            attempts: tries,
            inTranscript: JSON.stringify(detail?.transcript ?? []).includes(String(p.code)),
          };
        }),
      );
      // Retries and reconciled sends tell each reply and each of its statuses once all the same.
      const transcripts = await auditTranscripts(server.url, users);
      report(`6 outbound-faults/${store}`, {
        replies: USERS * MESSAGES,
        lost,
        duplicates,
        outOfOrder,
        retriesP50: percentile(retries, 50),
        retriesMax: Math.max(...retries),
        retriedMessages: retries.filter((r) => r > 0).length,
        faultsFired: Object.fromEntries(
          Object.entries(sim.stats().faults).map(([k, v]) => [k, v - (firedBefore[k] ?? 0)]),
        ),
        deliveredMs,
        permanent,
        transcripts,
      });
      expect(lost).toBe(0);
      expect(duplicates).toBe(0);
      expect(transcripts.repeated).toBe(0);
      expect(retries.filter((r) => r > 0).length).toBeGreaterThan(0); // the faults really fired
      for (const p of permanent) {
        expect(p.attempts, `code ${p.code} is sent once, never retried`).toBe(1);
        expect(p.inTranscript, `code ${p.code} shows in the transcript`).toBe(true);
      }
    } finally {
      sim.faults.clear();
      await server.stop();
      await removeDir(dataDir);
    }
  }

  it('lowdb: 100% delivered once, permanent errors not retried', () => run('lowdb'), TEST_TIMEOUT_MS);
  it.skipIf(!hasPostgres)(
    'PostgreSQL: 100% delivered once, permanent errors not retried',
    () => run('postgres'),
    TEST_TIMEOUT_MS,
  );
});
