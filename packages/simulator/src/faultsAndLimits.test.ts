/* eslint-disable @typescript-eslint/no-explicit-any -- assertions read untyped Graph JSON */
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from './createSimulator.js';
import { startTestReceiver } from './testReceiver.js';

const SECRET = 'fault-secret';
const USER = '15557654321';
let sim: Simulator | undefined;
let receiver: Awaited<ReturnType<typeof startTestReceiver>> | undefined;

afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

async function setup(options: Partial<SimulatorOptions> = {}) {
  receiver = await startTestReceiver(SECRET);
  sim = createSimulator({
    appSecret: SECRET,
    webhookUrl: receiver.url,
    statusDelays: { read: false },
    ...options,
  });
  const graph = `${(await sim.listen()).url}/v25.0/112233445566778/messages`;
  const send = async (to = USER, type: 'text' | 'template' = 'text') => {
    const body =
      type === 'text'
        ? { messaging_product: 'whatsapp', to, type, text: { body: 'hello' } }
        : { messaging_product: 'whatsapp', to, type, template: { name: 't', language: { code: 'en' } } };
    const res = await fetch(graph, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as any };
  };
  return { sim, receiver, graph, send };
}

describe('fault injection', () => {
  it('graph_error answers the code for N calls, then recovers; nothing is recorded meanwhile', async () => {
    const { sim, send } = await setup();
    await sim.userSends({ waId: USER }, 'hi');
    sim.faults.inject({ kind: 'graph_error', code: 130429, count: 2 });
    const first = await send();
    const second = await send();
    const third = await send();
    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    expect(first.json.error).toMatchObject({ code: 130429, message: '(#130429) Rate limit hit' });
    expect(sim.conversation(USER).filter((m) => m.direction === 'bot')).toHaveLength(1);
    expect(sim.stats().faults).toEqual({ graph_error: 2 });
  });

  it('graph_error accepts the nested form with an explicit HTTP status', async () => {
    const { sim, send } = await setup();
    await sim.userSends({ waId: USER }, 'hi');
    sim.faults.inject({ count: 1, fault: { kind: 'graph_error', code: 131000, httpStatus: 500 } });
    expect(await send()).toMatchObject({ status: 500, json: { error: { code: 131000 } } });
  });

  it('http_5xx answers a transient server error', async () => {
    const { sim, send } = await setup();
    await sim.userSends({ waId: USER }, 'hi');
    sim.faults.inject({ count: 1, fault: { kind: 'http_5xx', httpStatus: 502 } });
    const res = await send();
    expect(res.status).toBe(502);
    expect(res.json.error).toMatchObject({ code: 2, is_transient: true });
  });

  it('latency delays the answer, then the send goes through', async () => {
    const { sim, send } = await setup();
    await sim.userSends({ waId: USER }, 'hi');
    sim.faults.inject({ count: 1, fault: { kind: 'latency', ms: 150 } });
    const started = Date.now();
    expect((await send()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('drop destroys the connection and accepts nothing', async () => {
    const { sim, send } = await setup();
    await sim.userSends({ waId: USER }, 'hi');
    sim.faults.inject({ count: 1, fault: { kind: 'drop' } });
    await expect(send()).rejects.toThrow();
    expect(sim.conversation(USER).filter((m) => m.direction === 'bot')).toHaveLength(0);
    expect((await send()).status).toBe(200);
  });

  it('stall_then_reset records the message and reports its statuses, but the answer never arrives', async () => {
    const { sim, receiver, send } = await setup();
    await sim.userSends({ waId: USER }, 'hi');
    sim.faults.inject({ count: 1, fault: { kind: 'stall_then_reset', ms: 50 } });
    await expect(send()).rejects.toThrow();
    const bot = sim.conversation(USER).filter((m) => m.direction === 'bot');
    expect(bot).toHaveLength(1);
    await receiver.waitFor(() => receiver.statuses().length === 2);
    expect(receiver.statuses().map((s) => [s.id, s.status])).toEqual([
      [bot[0]?.wamid, 'sent'],
      [bot[0]?.wamid, 'delivered'],
    ]);
  });

  it('failed_status accepts the send, then reports it failed with the code', async () => {
    const { sim, receiver, send } = await setup();
    await sim.userSends({ waId: USER }, 'hi');
    const activity: string[] = [];
    sim.onActivity((a) => activity.push(a.kind === 'status' ? `status:${a.status}` : a.kind));
    sim.faults.inject({ kind: 'failed_status', code: 131047, count: 1 });
    const res = await send();
    expect(res.status).toBe(200);
    await receiver.waitFor(() => receiver.statuses().length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(receiver.statuses()).toEqual([
      expect.objectContaining({
        id: res.json.messages[0].id,
        status: 'failed',
        errors: [expect.objectContaining({ code: 131047, title: 'Re-engagement message' })],
      }),
    ]);
    expect(activity).toEqual(['bot', 'status:failed']);
    expect(sim.conversation(USER).at(-1)?.status).toBe('failed');
  });

  it('matches on type and recipient, and honours probability with the injected randomness', async () => {
    const rolls = [0.9, 0.1];
    const { sim, send } = await setup({ random: () => rolls.shift() ?? 0.99 });
    await sim.userSends({ waId: USER }, 'hi');
    await sim.userSends({ waId: '15550001111' }, 'hi');
    sim.faults.inject({
      match: { type: 'text', to: `+${USER}` },
      probability: 0.5,
      fault: { kind: 'graph_error', code: 131000 },
    });
    expect((await send('15550001111')).status).toBe(200); // other recipient: no roll
    expect((await send(USER, 'template')).status).toBe(200); // other type: no roll
    expect((await send(USER)).status).toBe(200); // roll 0.9 ≥ 0.5
    expect((await send(USER)).status).toBe(500); // roll 0.1 < 0.5
    sim.faults.clear();
    expect((await send(USER)).status).toBe(200);
  });

  it('refuses a malformed rule with a readable error', async () => {
    const { sim } = await setup();
    expect(() => sim.faults.inject({ fault: { kind: 'explode' } } as never)).toThrow(/Invalid fault rule/);
    expect(() => sim.faults.inject({ probability: 2, fault: { kind: 'drop' } })).toThrow(/probability/);
  });
});

describe('Meta rules', () => {
  it('131047 outside the 24 h window, by the injected clock; templates still go', async () => {
    let now = 1_800_000_000_000;
    const { sim, send } = await setup({ clock: { now: () => now } });
    expect((await send()).json.error.code).toBe(131047);
    expect((await send(USER, 'template')).status).toBe(200);
    await sim.userSends({ waId: USER }, 'hi');
    expect((await send()).status).toBe(200);
    now += 24 * 60 * 60 * 1000 + 1;
    const late = await send();
    expect(late.json.error).toMatchObject({ code: 131047, message: '(#131047) Re-engagement message' });
    expect((await send(USER, 'template')).status).toBe(200);
  });

  it('enforceWindow: false lets the bot write first', async () => {
    const { send } = await setup({ enforceWindow: false });
    expect((await send()).status).toBe(200);
  });

  it('131026 for a number that is not on WhatsApp', async () => {
    const { send } = await setup({ unreachable: ['+15550000000'] });
    expect((await send('15550000000', 'template')).json.error.code).toBe(131026);
  });

  it('130429 past the per-number rate, until the clock moves on', async () => {
    let now = 1_800_000_000_000;
    const { sim, send } = await setup({
      clock: { now: () => now },
      enforceRates: { perNumberPerSecond: 2, pairPerUser: false },
    });
    await sim.userSends({ waId: USER }, 'hi');
    await sim.userSends({ waId: '15550002222' }, 'hi');
    expect((await send()).status).toBe(200);
    expect((await send('15550002222')).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe(130429);
    now += 500;
    expect((await send()).status).toBe(200);
    expect(sim.stats().rejected).toEqual({ 130429: 1 });
  });

  it('turns limits on and off while running, in-process and over /_sim/rates', async () => {
    const { sim, send, graph } = await setup({ clock: { now: () => 1_800_000_000_000 } });
    await sim.userSends({ waId: USER }, 'hi');
    expect((await send()).status).toBe(200);
    sim.setRateLimits({ perNumberPerSecond: 1, pairPerUser: false });
    expect((await send()).status).toBe(200);
    expect((await send()).json.error.code).toBe(130429);
    sim.setRateLimits(undefined);
    expect((await send()).status).toBe(200);
    const control = graph.replace(/\/v25\.0\/.*$/, '/_sim/rates');
    await fetch(control, { method: 'PUT', body: JSON.stringify({ pairPerUser: { burst: 1 } }) });
    expect((await send()).status).toBe(200);
    expect((await send()).json.error.code).toBe(131056);
    await fetch(control, { method: 'PUT', body: '{}' });
    expect((await send()).status).toBe(200);
  });

  it('accepts a formatted phone number and routes it to the same user', async () => {
    const { sim, send } = await setup();
    await sim.userSends({ waId: USER }, 'hi');
    const res = await send('+1 (555) 765-4321');
    expect(res.status).toBe(200);
    expect(res.json.contacts[0]).toEqual({ input: '+1 (555) 765-4321', wa_id: USER });
    expect(sim.conversation(USER).filter((m) => m.direction === 'bot')).toHaveLength(1);
  });

  it('131056 past the pair limit for one user only', async () => {
    let now = 1_800_000_000_000;
    const { sim, send } = await setup({
      clock: { now: () => now },
      enforceRates: { pairPerUser: { burst: 2, intervalMs: 6000 } },
    });
    await sim.userSends({ waId: USER }, 'hi');
    await sim.userSends({ waId: '15550002222' }, 'hi');
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.json.error).toMatchObject({ code: 131056, error_subcode: 2494055 });
    expect((await send('15550002222')).status).toBe(200);
    now += 6000;
    expect((await send()).status).toBe(200);
  });
});

describe('webhook redelivery', () => {
  it('redelivers the same signed bytes after a non-200, with backoff, until acknowledged', async () => {
    const { sim, receiver } = await setup({ redeliver: { enabled: true, backoffMs: [20, 40] } });
    receiver.state.status = (_w, n) => (n <= 2 ? 500 : 200);
    const { status } = await sim.userSends({ waId: USER }, 'hi');
    expect(status).toBe(500);
    await receiver.waitFor((all) => all.length === 3);
    const [a, b, c] = receiver.received;
    expect(b?.raw.equals(a?.raw ?? Buffer.alloc(0))).toBe(true);
    expect(c?.signature).toBe(a?.signature);
    for (let i = 0; i < 50 && sim.stats().webhooks.acknowledged === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(sim.stats().webhooks).toMatchObject({
      posted: 3,
      acknowledged: 1,
      failed: 2,
      redeliveries: 2,
      pendingRedeliveries: 0,
    });
  });

  it('redelivers after a refused connection and gives up after maxAttempts', async () => {
    const { sim } = await setup({ redeliver: { enabled: true, backoffMs: 10, maxAttempts: 3 } });
    sim.setWebhookUrl('http://127.0.0.1:1/webhook');
    expect((await sim.userSends({ waId: USER }, 'hi')).status).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.stats().webhooks).toMatchObject({ posted: 3, failed: 3, gaveUp: 1, pendingRedeliveries: 0 });
  });

  it('does not redeliver when disabled', async () => {
    const { sim, receiver } = await setup();
    receiver.state.status = () => 503;
    await sim.userSends({ waId: USER }, 'hi');
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toHaveLength(1);
  });
});
