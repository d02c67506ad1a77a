// Issue item 4 — order under concurrency: many users' messages interleaved over 50 concurrent
// connections; each user's replies come in the order of their messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '@parley/simulator';
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
import { report, scaled, waitUntil } from '../harness/faultScale.js';
import { dropDatabase, freshDatabase, postgresAvailable } from '../harness/testDatabase.js';

const USERS = scaled(100, 1000);
const MESSAGES = scaled(5, 20);
const CONNECTIONS = 50;
const DB = 'parley_faults_order';
const hasPostgres = await postgresAvailable('faults/orderUnderConcurrency');

describe('order under concurrency', () => {
  let sim: Simulator;
  let flowsDir: string;
  beforeAll(async () => {
    sim = await startFaultSimulator({ maxMessagesPerUser: 100 });
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
    const server = await startAndAim(
      sim,
      serverEnv(sim, {
        DATA_DIR: dataDir,
        FLOWS_DIR: flowsDir,
        BOT_FLOW: 'echo',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      }),
    );
    try {
      const prefix = store === 'lowdb' ? '31660' : '31670';
      const users = Array.from({ length: USERS }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);
      const expected = Array.from({ length: MESSAGES }, (_, m) => echoOf(`m${m}`));
      // A ready queue: a user's next message goes out once the previous one was acknowledged, by
      // whichever of the CONNECTIONS workers is free, so users interleave on every connection.
      const ready = users.map((user) => ({ user, next: 0 }));
      let refused = 0;
      let unfinished = users.length;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          for (;;) {
            const item = ready.shift();
            if (!item) {
              if (unfinished === 0) return;
              await new Promise((r) => setTimeout(r, 2));
              continue;
            }
            const sent = await sim.userSends({ waId: item.user, name: 'Order' }, `m${item.next}`);
            if (sent.status !== 200) refused++;
            if (++item.next < MESSAGES) ready.push(item);
            else unfinished--;
          }
        }),
      );
      const sentMs = Date.now() - started;
      await waitUntil(() => users.every((u) => botTexts(sim, u).length >= MESSAGES), 120_000, 200);
      const drainMs = Date.now() - started;
      let lost = 0;
      let duplicates = 0;
      let orderViolations = 0;
      for (const user of users) {
        const r = compareReplies(botTexts(sim, user), expected);
        lost += r.lost;
        duplicates += r.duplicates;
        orderViolations += r.outOfOrder > 0 ? 1 : 0;
      }
      report(`4 order/${store}`, {
        users: USERS,
        messages: USERS * MESSAGES,
        connections: CONNECTIONS,
        refused,
        lost,
        duplicates,
        usersOutOfOrder: orderViolations,
        sentMs,
        drainMs,
      });
      expect(refused).toBe(0);
      expect(lost).toBe(0);
      expect(duplicates).toBe(0);
      expect(orderViolations).toBe(0);
    } finally {
      await server.stop();
      await removeDir(dataDir);
    }
  }
  it('lowdb: per-user order violations 0', () => run('lowdb'));
  it.skipIf(!hasPostgres)('PostgreSQL: per-user order violations 0', () => run('postgres'));
});
