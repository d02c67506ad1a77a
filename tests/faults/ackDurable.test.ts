// Issue item 1 — ack means durable: a 200 on /webhook survives a kill -9 right after it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '@parley/simulator';
import { echoFlow, echoOf, flowsDirWith } from '../harness/faultFlows.js';
import {
  botTexts,
  removeDir,
  serverEnv,
  startAndAim,
  startFaultSimulator,
  tempDataDir,
} from '../harness/faultRig.js';
import { report, scaled, waitUntil } from '../harness/faultScale.js';
import { dropDatabase, freshDatabase, postgresAvailable } from '../harness/testDatabase.js';
import { auditTranscripts } from '../harness/transcriptAudit.js';

const WEBHOOKS = scaled(12, 200);
const DB = 'parley_faults_ack';
const hasPostgres = await postgresAvailable('faults/ackDurable');

describe('ack means durable: kill -9 right after each 200', () => {
  let sim: Simulator;
  let flowsDir: string;
  beforeAll(async () => {
    sim = await startFaultSimulator();
    flowsDir = await flowsDirWith([echoFlow]);
  });
  afterAll(async () => {
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
    const users: string[] = [];
    let refused = 0;
    try {
      for (let i = 0; i < WEBHOOKS; i++) {
        const server = await startAndAim(sim, env);
        const waId = `3161${store === 'lowdb' ? 1 : 2}${String(i).padStart(6, '0')}`;
        const sent = await sim.userSends({ waId, name: 'Ack' }, `ack ${i}`, { phoneNumberId: undefined });
        await server.crash();
        if (sent.status !== 200) refused++;
        else users.push(waId);
      }
      // The last restart drains whatever the crashes left behind.
      const server = await startAndAim(sim, env);
      try {
        const started = Date.now();
        // A kill that lands between a turn's commit and its send's answer leaves the reply `sending`:
        // it may have gone out, so it waits the ambiguous-send grace (60 s from its claim) for a
        // status webhook before it is sent again. The kills here come right after a 200, when a
        // turn is being committed, so some replies wait that long.
        await waitUntil(() => users.every((u) => botTexts(sim, u).length >= 1), 100_000, 100);
        const drainMs = Date.now() - started;
        await new Promise((r) => setTimeout(r, 1000)); // late duplicates would land here
        let processed = 0;
        let duplicates = 0;
        const missing: string[] = [];
        users.forEach((u) => {
          const texts = botTexts(sim, u);
          const want = echoOf(`ack ${Number(u.slice(-6))}`);
          const hits = texts.filter((t) => t === want).length;
          if (hits >= 1) processed++;
          else missing.push(u);
          duplicates += Math.max(0, hits - 1);
        });
        // Each server died right after its 200: the conversations still tell everything once.
        const transcripts = await auditTranscripts(server.url, users);
        report(`1 ack-durable/${store}`, {
          webhooks: WEBHOOKS,
          acked: users.length,
          refused,
          processed,
          duplicates,
          drainMs,
          missing: missing.slice(0, 5),
          transcripts,
        });
        expect(refused).toBe(0);
        expect(processed).toBe(users.length);
        expect(duplicates).toBe(0);
        expect(transcripts.repeated).toBe(0);
      } finally {
        await server.stop();
      }
    } finally {
      await removeDir(dataDir);
    }
  }

  it('lowdb: every acknowledged webhook is processed after the restart', () => run('lowdb'));
  it.skipIf(!hasPostgres)('PostgreSQL: every acknowledged webhook is processed after the restart', () =>
    run('postgres'),
  );
});
