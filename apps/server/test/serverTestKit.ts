import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import type { RecordedMessage } from '@parley/simulator';
import { loadConfig } from '../src/config/loadConfig.js';
import { startParley, type RunningParley } from '../src/startParley.js';

/** The monorepo root (where `flows/` and `parley.config.json` live). */
export const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** The owner bearer token every kit-started server accepts. */
export const ADMIN_TOKEN = 'kit-admin-token-0123456789abcdef';

/** A fresh DATA_DIR holding a copy of the example flows plus any extra flow documents. */
export async function makeDataDir(
  extraFlows: Record<string, unknown> = {},
): Promise<{ dataDir: string; flowsDir: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-it-'));
  const flowsDir = path.join(dataDir, 'flows');
  await cp(path.join(repoRoot, 'flows'), flowsDir, { recursive: true });
  for (const [id, doc] of Object.entries(extraFlows))
    await writeFile(path.join(flowsDir, `${id}.json`), JSON.stringify(doc, null, 2));
  return { dataDir, flowsDir };
}

export interface KitParley extends RunningParley {
  /** Every JSON log line the server wrote (when started with `captureLogs`). */
  logs: string[];
  /** What the server printed to "stdout" (the owner box). */
  printed: string[];
}

/**
 * Starts a real Parley in this process on 127.0.0.1 (random port) over `dataDir`, with the
 * given environment on top of the kit's defaults. Logs are kept in memory at `LOG_LEVEL`.
 */
export async function startKitParley(options: {
  dataDir: string;
  flowsDir: string;
  env?: Record<string, string>;
  clock?: { now(): number };
  builderDir?: string;
}): Promise<KitParley> {
  const env: Record<string, string> = {
    DATA_DIR: options.dataDir,
    FLOWS_DIR: options.flowsDir,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const result = loadConfig(env, { dotenvPath: false });
  if (!result.ok) throw new Error(result.message);
  const logs: string[] = [];
  const printed: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const running = await startParley(result.config, {
    log: pino({ level: result.config.logLevel }, sink),
    print: (text) => printed.push(text),
    rootDir: repoRoot,
    env: {},
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.builderDir ? { builderDir: options.builderDir } : {}),
  });
  return Object.assign(running, { logs, printed });
}

/**
 * A fresh PostgreSQL database for one test file, or undefined (with a loud message) when
 * TEST_DATABASE_URL is unset or unreachable outside CI. Under `CI=true` that is an error.
 */
export async function freshDatabase(name: string): Promise<string | undefined> {
  const base = process.env.TEST_DATABASE_URL;
  const fail = (why: string) => {
    if (process.env.CI === 'true') throw new Error(`PostgreSQL tests cannot run: ${why}`);
    process.stderr.write(`\n*** SKIPPING PostgreSQL tests (${name}): ${why} ***\n\n`);
    return undefined;
  };
  if (!base) return fail('TEST_DATABASE_URL is not set');
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    return fail(`${base} is unreachable (${(error as Error).message})`);
  }
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by `freshDatabase`. */
export async function dropDatabase(name: string): Promise<void> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** One API answer: status, parsed JSON (or null) and headers. */
export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read loosely typed JSON
  json: any;
  headers: Headers;
}

/** Calls the REST API with the owner bearer token (or another one). */
export async function callApi(
  baseUrl: string,
  method: string,
  apiPath: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${apiPath}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, json, headers: response.headers };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The text a simulated phone shows for a bot message (body of text or interactive). */
export function textOf(message: RecordedMessage): string | undefined {
  const p = message.payload as {
    type?: string;
    text?: { body?: string };
    interactive?: { body?: { text?: string } };
  };
  if (p.type === 'text') return p.text?.body;
  return p.interactive?.body?.text;
}

/**
 * A loop that echoes every answer: start (any message) → ask → "You said: …" → ask again.
 * Each user message after the first yields exactly one distinct, checkable reply pair.
 */
export function echoFlow(id = 'echo'): Record<string, unknown> {
  return {
    schemaVersion: 1,
    id,
    name: 'Echo',
    description: 'Repeats what you say',
    variables: [],
    settings: {},
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: { mode: 'any' } },
      {
        id: 'ask',
        type: 'ask',
        position: { x: 300, y: 0 },
        data: { question: 'Say something', variable: 'said' },
      },
      { id: 'say', type: 'message', position: { x: 600, y: 0 }, data: { text: 'You said: {{said}}' } },
    ],
    edges: [
      { id: 'e1', source: 'start', sourceHandle: 'next', target: 'ask' },
      { id: 'e2', source: 'ask', sourceHandle: 'next', target: 'say' },
      { id: 'e3', source: 'say', sourceHandle: 'next', target: 'ask' },
    ],
  };
}
