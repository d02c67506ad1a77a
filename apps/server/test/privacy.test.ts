import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '@parley/simulator';
import { callApi, echoFlow, makeDataDir, startKitParley, textOf, type KitParley } from './serverTestKit.js';

const APP_SECRET = 'privacy-app-secret';
const TOKEN = 'EAAprivacyAccessToken9f8e7d6c5b4a';
const PHONE = '100000000000833';
const KEY = 'b'.repeat(64);
const DAY = 24 * 60 * 60 * 1000;
/** Message texts nobody else would write: any hit in a file or a log line is a leak. */
const SECRETS = ['Quokka-41729 my card PIN', 'Marmoset-88310 home address', 'Okapi-55012'];

/** Every file under `dir` (recursively) whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    if (bytes.includes(Buffer.from(needle, 'utf8'))) hits.push(file);
  }
  return hits;
}

describe('privacy: content encryption at rest, quiet logs, retention', () => {
  let sim: Simulator;
  let dataDir: string;
  let flowsDir: string;
  const logs: string[] = [];
  const user = { waId: '31630000001', name: 'Pia' };
  let conversationId: string;

  const start = async (clock?: { now(): number }): Promise<KitParley> => {
    const parley = await startKitParley({
      dataDir,
      flowsDir,
      ...(clock ? { clock } : {}),
      env: {
        WHATSAPP_ACCESS_TOKEN: TOKEN,
        WHATSAPP_PHONE_NUMBER_ID: PHONE,
        WHATSAPP_APP_SECRET: APP_SECRET,
        WHATSAPP_VERIFY_TOKEN: 'privacy-verify',
        GRAPH_API_BASE_URL: sim.graphBaseUrl!,
        DATA_ENCRYPTION_KEY: KEY,
        BOT_FLOW: 'echo',
        LOG_LEVEL: 'info',
        RETENTION_DAYS: '30',
      },
    });
    sim.setWebhookUrl(`${parley.url}/webhook`);
    return parley;
  };

  beforeAll(async () => {
    ({ dataDir, flowsDir } = await makeDataDir({ echo: echoFlow() }));
    sim = createSimulator({
      appSecret: APP_SECRET,
      accessToken: TOKEN,
      phoneNumberId: PHONE,
      statusDelays: { sent: 0, delivered: 0, read: 0 },
      enforceWindow: false,
    });
    await sim.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await sim?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps message texts and the access token out of DATA_DIR and the logs', async () => {
    const parley = await start();
    try {
      await sim.userSends(user, 'hello', { phoneNumberId: PHONE });
      await sim.waitForReplies(user.waId, 1, 10_000);
      for (const text of SECRETS) {
        await sim.userSends(user, text, { phoneNumberId: PHONE });
        const [echo] = await sim.waitForReplies(user.waId, 2, 10_000);
        expect(textOf(echo!)).toBe(`You said: ${text}`);
      }
      const list = await callApi(parley.url, 'GET', '/api/conversations');
      conversationId = list.json.items[0].id;
      // The API (for an authorised person) still reads the texts back: encrypted, not lost.
      const view = await callApi(
        parley.url,
        'GET',
        `/api/conversations/${encodeURIComponent(conversationId)}`,
      );
      expect(JSON.stringify(view.json.transcript)).toContain(SECRETS[0]);
    } finally {
      await parley.close();
      logs.push(...parley.logs);
    }
    expect(logs.length).toBeGreaterThan(5);
    const logText = logs.join('');
    for (const needle of [...SECRETS, TOKEN]) {
      expect(await filesContaining(dataDir, needle), `"${needle}" in DATA_DIR`).toEqual([]);
      expect(logText.includes(needle), `"${needle}" in the logs`).toBe(false);
    }
    // The check itself works: the bot's own words (not personal data) are findable in the flows.
    expect((await filesContaining(dataDir, 'Say something')).length).toBeGreaterThan(0);
  }, 60_000);

  it('keeps transcripts younger than RETENTION_DAYS and purges older ones at start', async () => {
    expect(conversationId).toBeDefined();
    const read = async (parley: KitParley) =>
      (await callApi(parley.url, 'GET', `/api/conversations/${encodeURIComponent(conversationId)}`)).json;

    const at29Days = await start({ now: () => Date.now() + 29 * DAY });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const kept = await read(at29Days);
      expect(kept.transcript.length).toBeGreaterThanOrEqual(2 * SECRETS.length);
    } finally {
      await at29Days.close();
    }

    const at31Days = await start({ now: () => Date.now() + 31 * DAY });
    try {
      const purged = await eventuallyPurged(at31Days);
      expect(purged.transcriptEntries).toBeGreaterThanOrEqual(2 * SECRETS.length);
      // Only what happened after the purge may remain (the idle conversation's expiry notice).
      const gone = (await read(at31Days)).transcript as Array<{ direction: string; text?: string }>;
      expect(gone.filter((e) => e.direction !== 'event')).toEqual([]);
      expect(JSON.stringify(gone)).not.toContain(SECRETS[0]);
    } finally {
      await at31Days.close();
    }
  }, 60_000);
});

/** Waits for the start-up purge's log line and returns its report. */
async function eventuallyPurged(parley: KitParley): Promise<{ transcriptEntries: number }> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const line of parley.logs) {
      const entry = JSON.parse(line) as { msg?: string; report?: { transcriptEntries: number } };
      if (entry.msg === 'retention purge done' && entry.report) return entry.report;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the retention purge did not run at start');
}
