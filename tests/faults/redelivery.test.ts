// Issue item 3 — redelivery: every webhook arrives 1-5 times (some copies within 5 ms, some
// seconds later; on PostgreSQL some at a second instance): processed once, no duplicate reply, and
// no status told twice in a transcript (the status webhooks are copied like the messages).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '@parley/simulator';
import { echoFlow, echoOf, flowsDirWith } from '../harness/faultFlows.js';
import { botTexts, removeDir, serverEnv, startFaultSimulator, tempDataDir } from '../harness/faultRig.js';
import { report, scaled, sleep } from '../harness/faultScale.js';
import { startServerProcess, type ServerProcess } from '../harness/serverProcess.js';
import { dropDatabase, freshDatabase, postgresAvailable } from '../harness/testDatabase.js';
import { auditTranscripts } from '../harness/transcriptAudit.js';
import { meanCopies, startWebhookTee } from '../harness/webhookTee.js';

const USERS = scaled(30, 200);
const MESSAGES = scaled(5, 10);
const DB = 'parley_faults_redelivery';
const hasPostgres = await postgresAvailable('faults/redelivery');

describe('redelivery: every webhook 1-5 times', () => {
  let sim: Simulator;
  let flowsDir: string;
  beforeAll(async () => {
    // The tee makes the copies; the simulator itself does not redeliver here.
    sim = await startFaultSimulator({ redeliver: { enabled: false } });
    flowsDir = await flowsDirWith([echoFlow]);
  });
  afterAll(async () => {
    await sim?.close();
    if (flowsDir) await removeDir(flowsDir);
    if (hasPostgres) await dropDatabase(DB).catch(() => undefined);
  });

  async function run(store: 'lowdb' | 'postgres') {
    const databaseUrl = store === 'postgres' ? await freshDatabase(DB) : undefined;
    const dirs = [await tempDataDir(), await tempDataDir()];
    const servers: ServerProcess[] = [];
    const instances = store === 'postgres' ? 2 : 1;
    try {
      for (let i = 0; i < instances; i++)
        servers.push(
          await startServerProcess(
            serverEnv(sim, {
              DATA_DIR: dirs[i]!,
              FLOWS_DIR: flowsDir,
              BOT_FLOW: 'echo',
              ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
            }),
          ),
        );
      const tee = await startWebhookTee({
        targets: () => servers.map((s) => `${s.url}/webhook`),
        plan: meanCopies,
      });
      sim.setWebhookUrl(tee.url);
      try {
        const prefix = store === 'lowdb' ? '316400' : '316500';
        const users = Array.from({ length: USERS }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
        let refused = 0;
        await Promise.all(
          users.map(async (user) => {
            for (let m = 0; m < MESSAGES; m++) {
              const sent = await sim.userSends({ waId: user, name: 'Copy' }, `m${m}`);
              if (sent.status !== 200) refused++;
              await sim.waitForReplies(user, 1, 30_000).catch(() => undefined);
            }
          }),
        );
        await tee.settled();
        await sleep(1500); // a duplicate reply caused by a late copy would land here
        let lost = 0;
        let duplicates = 0;
        let outOfOrder = 0;
        for (const user of users) {
          const texts = botTexts(sim, user);
          const expected = Array.from({ length: MESSAGES }, (_, m) => echoOf(`m${m}`));
          for (const want of expected) {
            const n = texts.filter((t) => t === want).length;
            if (n === 0) lost++;
            duplicates += Math.max(0, n - 1);
          }
          if (
            texts.filter((t) => expected.includes(t)).join('|') !== expected.join('|') &&
            texts.length === MESSAGES
          )
            outOfOrder++;
        }
        // The status webhooks were copied too (on PostgreSQL spread over both instances): each
        // message, reply and status must be told once in its conversation's transcript.
        const transcripts = await auditTranscripts(servers[0]!.url, users);
        report(`3 redelivery/${store}`, {
          instances,
          users: USERS,
          messages: USERS * MESSAGES,
          refused,
          lost,
          duplicates,
          outOfOrder,
          transcripts,
          tee: tee.stats(),
        });
        expect(refused).toBe(0);
        expect(lost).toBe(0);
        expect(duplicates).toBe(0);
        expect(transcripts.repeated).toBe(0);
        expect(transcripts.statuses).toBeGreaterThanOrEqual(USERS * MESSAGES); // each reply's `sent` at least
        expect(tee.stats().copies).toBeGreaterThan(USERS * MESSAGES); // the test really copied
      } finally {
        await tee.close();
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await Promise.all(dirs.map((d) => removeDir(d)));
    }
  }

  it('lowdb: each message processed exactly once, each status told once', () => run('lowdb'));
  it.skipIf(!hasPostgres)(
    'PostgreSQL, two instances: each message processed exactly once, each status told once',
    () => run('postgres'),
  );
});
