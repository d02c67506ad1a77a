import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '@parley/simulator';
import { startRoundRobinProxy } from '../../../tests/harness/roundRobinProxy.js';
import {
  callApi,
  dropDatabase,
  echoFlow,
  eventually,
  freshDatabase,
  makeDataDir,
  startKitParley,
  textOf,
  type KitParley,
} from './serverTestKit.js';

const DB = 'parley_it_multi_instance';
const APP_SECRET = 'multi-app-secret';
const TOKEN = 'multi-access-token';
const PHONE = '100000000000811';
const USERS = 12;
const MESSAGES = 6;

const databaseUrl = await freshDatabase(DB);

describe.skipIf(!databaseUrl)('two Parley instances on one PostgreSQL database', () => {
  let sim: Simulator;
  let proxy: Awaited<ReturnType<typeof startRoundRobinProxy>>;
  const instances: KitParley[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    // One shared "Meta": both instances send through it; its webhooks alternate between them.
    sim = createSimulator({
      appSecret: APP_SECRET,
      accessToken: TOKEN,
      phoneNumberId: PHONE,
      statusDelays: { sent: 0, delivered: 0, read: false },
      enforceWindow: false,
    });
    await sim.listen(0, '127.0.0.1');
    for (let i = 0; i < 2; i++) {
      const { dataDir, flowsDir } = await makeDataDir({ echo: echoFlow() });
      dirs.push(dataDir);
      instances.push(
        await startKitParley({
          dataDir,
          flowsDir,
          env: {
            DATABASE_URL: databaseUrl!,
            WHATSAPP_ACCESS_TOKEN: TOKEN,
            WHATSAPP_PHONE_NUMBER_ID: PHONE,
            WHATSAPP_APP_SECRET: APP_SECRET,
            WHATSAPP_VERIFY_TOKEN: 'multi-verify',
            GRAPH_API_BASE_URL: sim.graphBaseUrl!,
            BOT_FLOW: 'echo',
            OUTBOX_RATE_PER_SECOND: '1000',
            LOG_LEVEL: 'warn',
          },
        }),
      );
    }
    proxy = await startRoundRobinProxy(instances.map((p) => p.url));
    sim.setWebhookUrl(`${proxy.url}/webhook`);
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await Promise.all(instances.map((p) => p.close()));
    await sim?.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    await dropDatabase(DB).catch(() => undefined);
  });

  it('answers every message exactly once and in order per user, whichever instance took it', async () => {
    const users = Array.from({ length: USERS }, (_, u) => ({
      waId: `3161000${String(u).padStart(4, '0')}`,
      name: `User ${u}`,
    }));
    // Every user sends all messages back to back; users run concurrently. Consecutive webhooks of
    // one user land on different instances (the proxy alternates), so ordering must come from
    // the shared database, not from one process's queue.
    await Promise.all(
      users.map(async (user) => {
        for (let m = 0; m < MESSAGES; m++) {
          const { status } = await sim.userSends(user, `m${m}`, { phoneNumberId: PHONE });
          expect(status).toBe(200);
        }
      }),
    );
    const expected = [
      'Say something',
      ...Array.from({ length: MESSAGES - 1 }, (_, m) => [`You said: m${m + 1}`, 'Say something']).flat(),
    ];
    for (const user of users) {
      const replies = await sim.waitForReplies(user.waId, expected.length, 20_000);
      expect(replies.map(textOf)).toEqual(expected);
    }
    // Nothing more arrives later (a duplicate send would show up as an extra bot message).
    await new Promise((r) => setTimeout(r, 1_000));
    for (const user of users) {
      const bot = sim.conversation(user.waId).filter((m) => m.direction === 'bot');
      expect(bot.map((m) => textOf(m))).toEqual(expected);
    }
    // Both instances did work: each counted webhook events (messages and statuses) of its own:
    // the user messages plus a sent and a delivered status for every bot message. The statuses of
    // the last replies may still be on their way (their webhooks are not the replies'), so the
    // count is polled; a lost or doubly counted event never reaches it exactly.
    const expectedEvents = USERS * MESSAGES + 2 * USERS * expected.length;
    let received: number[] = [];
    const readCounts = () =>
      Promise.all(
        instances.map(async (p) => {
          const text = await (await fetch(`${p.url}/metrics`)).text();
          const line = text.split('\n').find((l) => l.startsWith('parley_webhook_events_received_total'));
          return Number(line?.split(' ').pop() ?? 0);
        }),
      );
    await eventually(
      async () => {
        received = await readCounts();
        return received.reduce((a, b) => a + b, 0) === expectedEvents ? received : undefined;
      },
      10_000,
      'every webhook event counted',
    ).catch(() => undefined);
    expect(received.every((n) => n > 0)).toBe(true);
    expect(received.reduce((a, b) => a + b, 0)).toBe(expectedEvents);
  }, 60_000);

  it('shows the same conversation through either instance', async () => {
    const listed = await Promise.all(
      instances.map((p) => callApi(p.url, 'GET', '/api/conversations?limit=100')),
    );
    expect(listed.map((l) => l.status)).toEqual([200, 200]);
    expect(listed[0]!.json.total).toBe(USERS);
    expect(listed[1]!.json.total).toBe(USERS);
    const id = listed[0]!.json.items[0].id as string;
    const views = await Promise.all(
      instances.map((p) => callApi(p.url, 'GET', `/api/conversations/${encodeURIComponent(id)}`)),
    );
    const sent = views.map((v) => (v.json.outbox as Array<{ status: string }>).map((o) => o.status));
    expect(sent[0]).toEqual(sent[1]);
    expect(sent[0]!.length).toBe(2 * MESSAGES - 1);
  });

  it('keeps serving when one instance stops: the other picks up the next messages', async () => {
    const user = { waId: '31610009999', name: 'Late' };
    sim.setWebhookUrl(`${instances[1]!.url}/webhook`);
    await instances[0]!.close();
    for (let m = 0; m < 3; m++) await sim.userSends(user, `late${m}`, { phoneNumberId: PHONE });
    const replies = await sim.waitForReplies(user.waId, 5, 20_000);
    expect(replies.map(textOf)).toEqual([
      'Say something',
      'You said: late1',
      'Say something',
      'You said: late2',
      'Say something',
    ]);
    await eventually(async () => ((await instances[1]!.store.countPendingOutbox()) === 0 ? true : undefined));
  }, 30_000);
});
