import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClosedLoop, runOpenLoop } from './driver.js';
import type { Turn } from './tally.js';
import { slowestWindow } from './stats.js';
import { numberOfUser } from './numbers.js';
import { runPacedConversations } from './pacedConversations.js';
import { startSimulatorProcess, type SimulatorClient } from './simulatorClient.js';

const APP_SECRET = 'driver-test-secret';
const TOKEN = 'driver-test-token';
/** Two business numbers: users are dealt over them, and the bot answers on the one written to. */
const PHONES = ['100000000000888', '100000000000889'];

/**
 * What the bot does with one user's n-th message (0-based, by its text). `fail`: answers every
 * delivery of it with a 500; `failOnce`: only the first (the simulator redelivers it, like Meta).
 */
type Behaviour = 'reply' | 'duplicate' | 'drop' | 'wrong' | 'fail' | 'failOnce';

/**
 * A deliberately unreliable bot: answers each message with `reply-<n>`, except where `policy`
 * says to send it twice, send nothing, send the wrong reply or answer the webhook with a 500.
 */
async function startBot(
  graphBaseUrl: string,
  policy: (user: string, n: number) => Behaviour,
): Promise<{
  url: string;
  numberOf: Map<string, string>;
  /** Deliveries of each user's n-th message, by `user/n`. */
  deliveries: Map<string, number>;
  close(): Promise<void>;
}> {
  const seen = new Map<string, number>();
  /** The business number each user wrote to (webhook metadata). */
  const numberOf = new Map<string, string>();
  const send = (phone: string, to: string, body: string) =>
    fetch(`${graphBaseUrl}/v25.0/${phone}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ messaging_product: 'whatsapp', to, type: 'text', text: { body } }),
    });
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const payload = JSON.parse(raw) as {
        entry: Array<{
          changes: Array<{
            value: {
              metadata: { phone_number_id: string };
              messages?: Array<{ from: string; text?: { body: string } }>;
            };
          }>;
        }>;
      };
      const froms = payload.entry.flatMap((e) =>
        e.changes.flatMap((c) =>
          (c.value.messages ?? []).map((m) => ({ ...m, phone: c.value.metadata.phone_number_id })),
        ),
      );
      let status = 200;
      const sends: Array<() => Promise<Response>> = [];
      for (const { from, phone, text } of froms) {
        const n = script.findIndex((turn) => turn.send === text?.body);
        const deliveries = (seen.get(`${from}/${n}`) ?? 0) + 1;
        seen.set(`${from}/${n}`, deliveries);
        numberOf.set(from, phone);
        const reply = (body: string) => sends.push(() => send(phone, from, body));
        const behaviour = policy(from, n);
        if (behaviour === 'fail' || (behaviour === 'failOnce' && deliveries === 1)) {
          status = 500;
          continue;
        }
        if (behaviour === 'reply' || behaviour === 'duplicate' || behaviour === 'failOnce')
          reply(`reply-${n}`);
        if (behaviour === 'duplicate') reply(`reply-${n}`);
        if (behaviour === 'wrong') reply(`reply-${n + 1}`);
      }
      res.writeHead(status).end();
      void sends.reduce((chain, next) => chain.then(next), Promise.resolve<unknown>(undefined));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    numberOf,
    deliveries: seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const script: Turn[] = [
  { send: 'first', replies: 1 },
  { send: 'second', replies: 1 },
];
const golden = ['text:reply-0', 'text:reply-1'];

describe('slowestWindow', () => {
  it('finds the whole 5-second window with the fewest replies, leaving out the partial last one', () => {
    const steady = Array.from({ length: 150 }, (_, i) => 1_000 + i * 100); // 10/s from 1 s to 16 s
    expect(slowestWindow(steady, 1_000, 16_000)).toBe(10);
    // A stall in the second window, and a burst in the partial fourth that must not count.
    const stalled = [...steady.filter((at) => at < 6_000 || at >= 11_000), 16_500, 16_600];
    expect(slowestWindow(stalled, 1_000, 17_000)).toBe(0);
    expect(slowestWindow([1_000, 1_100, 6_500], 1_000, 11_000)).toBe(0.2);
  });

  it('has no answer for a run shorter than two windows', () => {
    expect(slowestWindow([100, 200], 0, 9_999)).toBeNull();
  });
});

describe('bench driver against the simulator process', () => {
  let sim: SimulatorClient;
  beforeAll(async () => {
    sim = await startSimulatorProcess({ APP_SECRET, TOKEN, PHONES: PHONES.join(',') });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('counts every lost, duplicated and out-of-order reply exactly', async () => {
    // Users are 3101000000..3101000009; five of them meet one fault each.
    const bot = await startBot(sim.graphBaseUrl, (user, n) => {
      if (user === '3101000001' && n === 1) return 'duplicate';
      if (user === '3101000002' && n === 1) return 'drop';
      if (user === '3101000003' && n === 0) return 'wrong';
      if (user === '3101000004' && n === 0) return 'fail';
      if (user === '3101000005' && n === 1) return 'failOnce';
      return 'reply';
    });
    try {
      await sim.setup(
        `${bot.url}/webhook`,
        script.map((t) => t.send),
      );
      const result = await runClosedLoop({
        sim,
        users: 10,
        inFlight: 3,
        script,
        golden,
        userPrefix: '3101',
        replyTimeoutMs: 1_000,
      });
      expect(result).toMatchObject({
        lost: 2,
        duplicates: 1,
        outOfOrder: 1,
        webhookFailures: 2,
        webhookFailuresByStatus: { 500: 2 },
        replies: 17,
      });
      expect(result.problem).toBeUndefined();
      // 19 expected (user 4 given up at its deadline, every delivery refused), 2 of them never
      // came; user 5's second message, refused once, was redelivered and answered.
      expect(result.p50Ms).toBeGreaterThan(0);
      // Users were dealt over both numbers, each always on its own one.
      expect(bot.numberOf.size).toBe(10);
      for (const [user, phone] of bot.numberOf) expect(phone).toBe(numberOfUser(user, PHONES));
      expect(new Set(bot.numberOf.values())).toEqual(new Set(PHONES));
    } finally {
      await bot.close();
    }
  });

  it('stops a closed loop the server has stopped answering, and says so', async () => {
    const bot = await startBot(sim.graphBaseUrl, (user) => (user >= '3102000004' ? 'drop' : 'reply'));
    try {
      await sim.setup(
        `${bot.url}/webhook`,
        script.map((t) => t.send),
      );
      const started = Date.now();
      const result = await runClosedLoop({
        sim,
        users: 1_000,
        inFlight: 2,
        script,
        userPrefix: '3102',
        stallMs: 1_000,
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.problem).toMatch(/no reply for 1 s: stopped with 99\d users not run/);
      expect(result.lost).toBe(2);
    } finally {
      await bot.close();
    }
  });

  it('paces whole conversations; a turn waits for the answer to the one before it', async () => {
    // 20 users × 2 turns at 40 messages/s; user 3's first message is never answered, so its
    // second is never sent: both its replies are lost, and the run says it fell behind.
    const bot = await startBot(sim.graphBaseUrl, (user, n) =>
      user === '3104000003' && n === 0 ? 'drop' : 'reply',
    );
    try {
      await sim.setup(
        `${bot.url}/webhook`,
        script.map((t) => t.send),
      );
      const result = await runPacedConversations({
        sim,
        ratePerSecond: 40,
        seconds: 1,
        script,
        golden,
        userPrefix: '3104',
        turnGapMs: 200,
        drainMs: 500,
      });
      expect(result).toMatchObject({ lost: 2, duplicates: 0, outOfOrder: 0, replies: 38 });
      expect(result.problem).toBe(
        'the server fell behind: 2 of 40 turns still unanswered 0.5 s after the schedule ended',
      );
      expect(result.p50Ms).toBeGreaterThan(0);
      // Every user wrote both turns but user 3, who never got an answer to its first.
      expect(bot.numberOf.size).toBe(20);
      expect(bot.deliveries.get('3104000004/1')).toBe(1);
      expect(bot.deliveries.has('3104000003/1')).toBe(false);
      expect([...bot.deliveries.keys()].filter((key) => key.endsWith('/1'))).toHaveLength(19);
    } finally {
      await bot.close();
    }
  });

  it('ends an open loop a bounded drain after offering stops, reporting missing replies as lost', async () => {
    const bot = await startBot(sim.graphBaseUrl, (user) => (user.endsWith('7') ? 'drop' : 'reply'));
    try {
      await sim.setup(`${bot.url}/webhook`, [script[0]!.send]);
      const started = Date.now();
      const result = await runOpenLoop({
        sim,
        ratePerSecond: 50,
        seconds: 1,
        turn: script[0]!,
        userPrefix: '3103',
        drainMs: 500,
      });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(result).toMatchObject({ lost: 5, duplicates: 0, replies: 45 });
      expect(result.problem).toBe(
        'the server fell behind: 5 of 50 replies still missing 0.5 s after offering stopped',
      );
    } finally {
      await bot.close();
    }
  });
});
