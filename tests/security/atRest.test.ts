import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aadFor, createStore } from '@parley/store';
import { ensureServerBuilt } from '../harness/buildServer.js';
import { startServerProcess, type ServerProcess } from '../harness/serverProcess.js';
import { dropDatabase, freshDatabase, postgresAvailable } from '../harness/testDatabase.js';
import { report, waitUntil } from './figures.js';
import { startLoopbackServer, type LoopbackServer } from './loopbackServer.js';
import { repoRoot } from './runChild.js';
import { postWebhook, signWebhookBody, textBody } from './webhookBodies.js';

const run = promisify(execFile);
const SECRET = 'at-rest-app-secret';
const ADMIN = `admin-${randomBytes(16).toString('hex')}`;
const KEY = randomBytes(32).toString('base64');
const SANDBOX_NUMBER = '100000000000001';
const PROD_NUMBER = '100000000000777';
const DB_NAME = `parley_security_at_rest_${process.pid}`;

let graph: LoopbackServer;
let hasPostgres = false;
beforeAll(async () => {
  ensureServerBuilt();
  hasPostgres = await postgresAvailable('security at rest');
  // The production bot's Graph API is a loopback stand-in: its token never leaves 127.0.0.1.
  graph = await startLoopbackServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        messaging_product: 'whatsapp',
        messages: [{ id: `wamid.graph-${Date.now()}-${Math.random()}` }],
      }),
    );
  });
});
afterAll(async () => {
  await graph?.close();
  if (hasPostgres) await dropDatabase(DB_NAME).catch(() => undefined);
});

/** Every file under `dir`, as raw bytes, with its path. */
async function filesUnder(dir: string): Promise<Array<{ file: string; bytes: Buffer }>> {
  const out: Array<{ file: string; bytes: Buffer }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push({ file, bytes: await readFile(file) });
  }
  return out;
}

const api = (server: ServerProcess, route: string, init: RequestInit = {}) =>
  fetch(`${server.url}/api${route}`, {
    ...init,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });

/** Saves a token, chats, stops; returns where to look. */
async function chatAndStop(databaseUrl: string | undefined) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-at-rest-'));
  const flowsDir = path.join(dataDir, 'flows');
  await cp(path.join(repoRoot, 'flows'), flowsDir, { recursive: true });
  const token = `EAAG${randomBytes(24).toString('hex')}`;
  const texts = Array.from(
    { length: 12 },
    (_, i) => `private-message-${randomBytes(6).toString('hex')}-${i}`,
  );
  const server = await startServerProcess({
    DATA_DIR: dataDir,
    FLOWS_DIR: flowsDir,
    ADMIN_TOKEN: ADMIN,
    WHATSAPP_APP_SECRET: SECRET,
    DATA_ENCRYPTION_KEY: KEY,
    LOG_LEVEL: 'trace',
    BOT_FLOW: 'welcome',
    GRAPH_API_BASE_URL: `http://127.0.0.1:${graph.port}`,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  try {
    const created = await api(server, '/bots', {
      method: 'POST',
      body: JSON.stringify({
        name: 'Production',
        phoneNumberId: PROD_NUMBER,
        flowId: 'welcome',
        accessToken: token,
      }),
    });
    const createdText = await created.text();
    expect(created.status).toBe(201);
    expect(createdText).not.toContain(token);
    const listed = await (await api(server, '/bots')).text();
    expect(listed).not.toContain(token);

    let n = 0;
    for (const text of texts) {
      n += 1;
      const number = n % 2 ? SANDBOX_NUMBER : PROD_NUMBER;
      const body = textBody(number, {
        waId: `3165000${String(n % 4).padStart(4, '0')}`,
        wamid: `wamid.rest-${n}-${randomBytes(4).toString('hex')}`,
        text,
        name: 'Ada',
      });
      expect(await postWebhook(server.url, body, signWebhookBody(body, SECRET))).toBe(200);
    }
    // Processed: both bots hold their conversations (the token's presence is checked by decrypting it after the run).
    let total = 0;
    const processed = await waitUntil(
      async () => {
        const list = (await (await api(server, '/conversations?limit=200')).json()) as { total: number };
        total = list.total;
        return list.total >= 4;
      },
      30_000,
      200,
    );
    if (!processed) {
      const interesting = server
        .output()
        .split('\n')
        .filter((line) => !line.includes('"msg":"request"'))
        .slice(-40)
        .join('\n');
      process.stderr.write(
        `[security] at rest: not processed (conversations ${total}, graph requests ${graph.requests}):\n${interesting}\n`,
      );
    }
    expect(processed).toBe(true);
    // Give the transcript and outbox writes a moment to land before the files are read.
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    await server.stop();
  }
  return { dataDir, token, texts, logs: server.output() };
}

function occurrences(haystack: Buffer | string, needles: string[]): string[] {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  return needles.filter((n) => text.includes(n));
}

describe('6. secrets and content at rest', () => {
  it('lowdb: the token and the message texts appear 0 times in DATA_DIR and the logs', async () => {
    const { dataDir, token, texts, logs } = await chatAndStop(undefined);
    try {
      const files = await filesUnder(dataDir);
      const hits = files.flatMap((f) =>
        occurrences(f.bytes, [token, ...texts]).map(
          (n) => `${path.relative(dataDir, f.file)}: ${n.slice(0, 24)}`,
        ),
      );
      const logHits = occurrences(logs, [token, ...texts]);
      report('at rest lowdb', {
        files: files.length,
        bytes: files.reduce((s, f) => s + f.bytes.length, 0),
        dataDirHits: hits.length,
        logLines: logs.split('\n').length,
        logHits: logHits.length,
        graphRequests: graph.requests,
      });
      expect(hits).toEqual([]);
      expect(logHits).toEqual([]);

      // Tampered and moved ciphertexts do not decrypt.
      const { store, cipher } = await createStore({ dataDir, encryptionKey: KEY });
      await store.init();
      try {
        const bot = (await store.listBots()).find((b) => b.phoneNumberId === PROD_NUMBER)!;
        const sealed = bot.accessTokenEncrypted!;
        expect(cipher.decrypt(sealed, aadFor.botToken(bot.id))).toBe(token);
        const flipped = sealed.slice(0, -6) + (sealed.at(-6) === 'A' ? 'B' : 'A') + sealed.slice(-5);
        expect(() => cipher.decrypt(flipped, aadFor.botToken(bot.id))).toThrow();
        const other = (await store.listBots()).find((b) => b.id !== bot.id)!;
        expect(() => cipher.decrypt(sealed, aadFor.botToken(other.id))).toThrow();
      } finally {
        await store.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: 0 occurrences in a pg_dump, DATA_DIR and the logs; a moved or tampered row does not decrypt', async (context) => {
    if (!hasPostgres) return context.skip();
    const url = await freshDatabase(DB_NAME);
    const { dataDir, token, texts, logs } = await chatAndStop(url);
    try {
      const dump = (
        await run('/usr/bin/pg_dump', ['--no-owner', '--dbname', url], { maxBuffer: 256 * 1024 * 1024 })
      ).stdout;
      const dumpHits = occurrences(dump, [token, ...texts]);
      const files = await filesUnder(dataDir);
      const fileHits = files.flatMap((f) => occurrences(f.bytes, [token, ...texts]));
      const logHits = occurrences(logs, [token, ...texts]);

      // Move one conversation's sealed content onto another row, and flip one character in a third.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      let moved: string[] = [];
      try {
        const rows = (
          await client.query<{ id: string; data: Record<string, unknown> }>(
            'SELECT id, data FROM conversations ORDER BY id',
          )
        ).rows;
        const sealedOf = (r: { data: Record<string, unknown> }) =>
          (r.data.$content as { $sealed?: unknown } | undefined)?.$sealed;
        const sealedRows = rows.filter((r) => typeof sealedOf(r) === 'string');
        moved = sealedRows.slice(0, 3).map((r) => r.id);
        expect(sealedRows.length).toBeGreaterThanOrEqual(3);
        await client.query(
          `UPDATE conversations SET data = jsonb_set(data, '{$content}', $1::jsonb) WHERE id = $2`,
          [JSON.stringify(sealedRows[0]!.data.$content), sealedRows[1]!.id],
        );
        const content = sealedOf(sealedRows[2]!) as string;
        const tampered = content.slice(0, -8) + (content.at(-8) === 'A' ? 'B' : 'A') + content.slice(-7);
        await client.query(
          `UPDATE conversations SET data = jsonb_set(data, '{$content}', $1::jsonb) WHERE id = $2`,
          [JSON.stringify({ $sealed: tampered }), sealedRows[2]!.id],
        );
      } finally {
        await client.end();
      }
      const { store } = await createStore({ databaseUrl: url, dataDir, encryptionKey: KEY });
      await store.init();
      const outcomes: string[] = [];
      try {
        for (const id of moved) {
          outcomes.push(
            await store.getConversation(id).then(
              (c) => (c ? 'decrypted' : 'missing'),
              (e: Error) => `refused (${(e as { code?: string }).code ?? e.name})`,
            ),
          );
        }
      } finally {
        await store.close();
      }
      report('at rest postgres', {
        dumpBytes: dump.length,
        dumpHits: dumpHits.length,
        dataDirHits: fileHits.length,
        logHits: logHits.length,
        intactMovedTampered: outcomes,
      });
      expect(dumpHits).toEqual([]);
      expect(fileHits).toEqual([]);
      expect(logHits).toEqual([]);
      expect(outcomes[0]).toBe('decrypted');
      expect(outcomes[1]).toMatch(/^refused/);
      expect(outcomes[2]).toMatch(/^refused/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
