import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '@parley/simulator';
import { startRoundRobinProxy } from '../../../tests/harness/roundRobinProxy.js';
import { echoFlow, eventually, makeDataDir, textOf } from './serverTestKit.js';
import { spawnParley, type ParleyProcess } from './spawnParley.js';

const APP_SECRET = 'shutdown-app-secret';
const TOKEN = 'shutdown-access-token';
const PHONE = '100000000000822';
const USERS = 25;
const MESSAGES = 4;

/** The echo flow's answers to `count` messages m0…m(count-1). */
function echoReplies(count: number): string[] {
  return [
    'Say something',
    ...Array.from({ length: count - 1 }, (_, m) => [`You said: m${m + 1}`, 'Say something']).flat(),
  ];
}

describe('graceful shutdown on SIGTERM (the server as its own process)', () => {
  let sim: Simulator;
  let dataDir: string;
  let flowsDir: string;
  let server: ParleyProcess | undefined;
  let proxy: Awaited<ReturnType<typeof startRoundRobinProxy>>;

  const env = () => ({
    DATA_DIR: dataDir,
    FLOWS_DIR: flowsDir,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    ADMIN_TOKEN: 'shutdown-admin-token-0123456789',
    WHATSAPP_ACCESS_TOKEN: TOKEN,
    WHATSAPP_PHONE_NUMBER_ID: PHONE,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: 'shutdown-verify',
    GRAPH_API_BASE_URL: sim.graphBaseUrl!,
    DATA_ENCRYPTION_KEY: 'a'.repeat(64),
    BOT_FLOW: 'echo',
    OUTBOX_RATE_PER_SECOND: '1000',
  });

  beforeAll(async () => {
    ({ dataDir, flowsDir } = await makeDataDir({ echo: echoFlow() }));
    sim = createSimulator({
      appSecret: APP_SECRET,
      redeliver: { enabled: true, backoffMs: [200], maxAttempts: 500 },
      accessToken: TOKEN,
      phoneNumberId: PHONE,
      statusDelays: { sent: 0, delivered: 0, read: false },
      enforceWindow: false,
    });
    await sim.listen(0, '127.0.0.1');
    // Meta posts to one URL; a restarted server has a new port behind it.
    proxy = await startRoundRobinProxy([]);
    sim.setWebhookUrl(`${proxy.url}/webhook`);
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await proxy?.close();
    await sim?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stops taking webhooks, finishes what it holds, exits 0; after a restart nothing is lost or repeated', async () => {
    server = await spawnParley(env());
    proxy.setTargets([server.url]);
    const users = Array.from({ length: USERS }, (_, u) => ({
      waId: `3162000${String(u).padStart(4, '0')}`,
      name: `User ${u}`,
    }));
    // Per user: how many messages went out before the first one the server did not acknowledge
    // (that one is left to the simulator's redelivery, exactly as Meta retries).
    const sentBeforeStop = users.map(() => MESSAGES);
    let signalled = false;
    const senders = users.map(async (user, u) => {
      for (let m = 0; m < MESSAGES; m++) {
        const { status } = await sim.userSends(user, `m${m}`, { phoneNumberId: PHONE });
        if (status !== 200) {
          // Only a stopping server may refuse; a running one acknowledges every signed webhook.
          expect(signalled).toBe(true);
          sentBeforeStop[u] = m + 1;
          return;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    // SIGTERM while webhooks are still arriving and events are being processed.
    await new Promise((r) => setTimeout(r, 60));
    signalled = true;
    const sentAt = Date.now();
    server.child.kill('SIGTERM');
    await Promise.all(senders);
    const code = await server.exited;
    expect(code, server.output().slice(-3000)).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(20_000);
    expect(server.output()).toMatch(/shutting down/);
    expect(server.output()).not.toMatch(/shutdown failed/);
    // Stopped means stopped: the old port answers nothing.
    const oldUrl = server.url;
    expect(
      await fetch(`${oldUrl}/healthz`).then(
        () => 'up',
        () => 'down',
      ),
    ).toBe('down');
    // The run exercised the interesting case: the stop cut some users off mid-conversation.
    expect(sentBeforeStop.some((n) => n < MESSAGES)).toBe(true);

    // Restart on the same DATA_DIR behind the same URL: the pending redeliveries go through.
    server = await spawnParley(env());
    proxy.setTargets([server.url]);
    await eventually(
      () => (sim.stats().webhooks.pendingRedeliveries === 0 ? true : undefined),
      20_000,
      'redeliveries',
    ).catch((e: Error) => {
      throw new Error(
        `${e.message} ${JSON.stringify(sim.stats().webhooks)}\n${server!.output().slice(-3000)}`,
      );
    });
    await Promise.all(
      users.map(async (user, u) => {
        // Wait for the redelivered message's answers before the next one (the order a phone keeps).
        await sim.waitForReplies(user.waId, 2 * sentBeforeStop[u]! - 1, 20_000);
        for (let m = sentBeforeStop[u]!; m < MESSAGES; m++) {
          const { status } = await sim.userSends(user, `m${m}`, { phoneNumberId: PHONE });
          expect(status).toBe(200);
        }
      }),
    );
    const botMessages = (waId: string) => sim.conversation(waId).filter((m) => m.direction === 'bot');
    for (const user of users)
      await eventually(
        () => (botMessages(user.waId).length >= 2 * MESSAGES - 1 ? true : undefined),
        20_000,
        `all replies to ${user.waId}`,
      ).catch((e: Error) => {
        throw new Error(`${e.message}: got ${JSON.stringify(botMessages(user.waId).map(textOf))}`);
      });
    // A moment for duplicates to show up, if there were any.
    await new Promise((r) => setTimeout(r, 1_000));
    for (const user of users) {
      const bot = sim.conversation(user.waId).filter((m) => m.direction === 'bot');
      expect(bot.map(textOf), user.waId).toEqual(echoReplies(MESSAGES));
    }
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 120_000);
});
