// Shared pieces of the phone-side tests: a simulator posting to a fresh webhook receiver, frozen at
// a fixed time, and the bot's side of Graph. The test files keep `sim`, `receiver` and `graph`
// themselves: some tests replace the simulator with one configured otherwise.
import { createSimulator, type Simulator } from './createSimulator.js';
import { startTestReceiver } from './testReceiver.js';

export const SECRET = 'phone-secret';
export const USER = '447700900123';

export type TestReceiver = Awaited<ReturnType<typeof startTestReceiver>>;

/**
 * Starts a webhook receiver and a simulator posting to it; `graph` is the URL the bot sends to.
 * @example beforeEach(async () => ({ receiver, sim, graph } = await startPhoneSide()));
 */
export async function startPhoneSide(): Promise<{ receiver: TestReceiver; sim: Simulator; graph: string }> {
  const receiver = await startTestReceiver(SECRET);
  const sim = createSimulator({
    appSecret: SECRET,
    webhookUrl: receiver.url,
    clock: { now: () => 1_772_443_330_123 },
  });
  const graph = `${(await sim.listen()).url}/v25.0/112233445566778/messages`;
  return { receiver, sim, graph };
}

/** Closes what {@link startPhoneSide} started (or the simulator a test put in its place). */
export async function stopPhoneSide(sim: Simulator, receiver: TestReceiver): Promise<void> {
  await sim.close();
  await receiver.close();
}

/** Sends `body` to `USER` through the simulator's Graph API at `graph`, as the bot; the new wamid. */
export async function sendAsBot(graph: string, body: Record<string, unknown>) {
  const res = await fetch(graph, {
    method: 'POST',
    body: JSON.stringify({ messaging_product: 'whatsapp', to: USER, ...body }),
  });
  const json = (await res.json()) as { messages: Array<{ id: string }> };
  return json.messages[0]?.id ?? '';
}
