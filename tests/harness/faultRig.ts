import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createSimulator,
  type RecordedMessage,
  type Simulator,
  type SimulatorOptions,
} from '@parley/simulator';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

export const APP_SECRET = 'faults-app-secret';
export const ACCESS_TOKEN = 'faults-access-token';
export const PHONE_NUMBER_ID = '100000000000999';
export const ADMIN_TOKEN = 'faults-admin-token-0123456789abcdef';

/** The simulator every fault test uses: Meta's shapes, instant statuses, no 24 h window. */
export async function startFaultSimulator(extra: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = createSimulator({
    appSecret: APP_SECRET,
    accessToken: ACCESS_TOKEN,
    phoneNumberId: PHONE_NUMBER_ID,
    statusDelays: { sent: 0, delivered: 0, read: false },
    enforceWindow: false,
    // Like Meta: a webhook (a status too) not answered with 200 comes again, so a status posted
    // while the server was down still reaches it after the restart.
    redeliver: { enabled: true, backoffMs: [200, 500, 1000, 2000], maxAttempts: 60 },
    ...extra,
  });
  await sim.listen(0, '127.0.0.1');
  return sim;
}

/** Server environment talking to `sim` as its Graph API. */
export function serverEnv(sim: Simulator, extra: Record<string, string>): Record<string, string> {
  return {
    WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: 'faults-verify',
    GRAPH_API_BASE_URL: sim.graphBaseUrl!,
    ADMIN_TOKEN,
    DATA_ENCRYPTION_KEY: '',
    OUTBOX_RATE_PER_SECOND: '1000',
    ...extra,
  };
}

/** A temp DATA_DIR. */
export const tempDataDir = () => mkdtemp(path.join(tmpdir(), 'parley-faults-data-'));
/** Removes a temp folder. */
export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

/** Starts a server and points the simulator's webhooks at it. */
export async function startAndAim(sim: Simulator, env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  sim.setWebhookUrl(`${server.url}/webhook`);
  return server;
}

/** The text of a bot message (text, or an interactive body). */
export function textOf(message: RecordedMessage): string {
  const p = message.payload as { text?: { body?: string }; interactive?: { body?: { text?: string } } };
  return p.text?.body ?? p.interactive?.body?.text ?? '';
}

/** The texts the phone of `userId` received from the bot, in order. */
export function botTexts(sim: Simulator, userId: string): string[] {
  return sim
    .conversation(userId)
    .filter((m) => m.direction === 'bot')
    .map(textOf);
}

/** Lost, duplicated and out-of-order replies of one user against the expected sequence. */
export function compareReplies(got: string[], expected: string[]) {
  const counts = new Map<string, number>();
  for (const text of got) counts.set(text, (counts.get(text) ?? 0) + 1);
  const duplicates = [...counts.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  const lost = expected.filter((text) => !counts.has(text)).length;
  const firsts = [...new Set(got)].filter((t) => expected.includes(t));
  const wanted = expected.filter((t) => firsts.includes(t));
  let outOfOrder = 0;
  for (let i = 0; i < firsts.length; i++) if (firsts[i] !== wanted[i]) outOfOrder++;
  return { lost, duplicates, outOfOrder };
}
