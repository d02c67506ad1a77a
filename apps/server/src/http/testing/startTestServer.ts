import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createRegistry, builtinNodes } from '@parley/nodes';
import { createCipher, createLowdbStore, type Role, type Store } from '@parley/store';
import { createAuth, type Auth } from '../../auth/createAuth.js';
import { LoginThrottle } from '../../auth/LoginThrottle.js';
import { loadConfig, type Config } from '../../config/loadConfig.js';
import { FlowRepository } from '../../flows/FlowRepository.js';
import { createLogger } from '../../logging/createLogger.js';
import { createParleyMetrics } from '../../metrics/createParleyMetrics.js';
import { createApp, type AppDeps } from '../createApp.js';
import { createConversationCommands } from '../../workers/conversationCommands.js';
import type { PreviewService } from '../services.js';

export const TEST_PASSWORD = 'correct-horse-battery';
const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };

/** A small flow that passes the linter with the built-in nodes. */
export function goodFlow(id = 'hello', name = 'Hello'): Record<string, unknown> {
  return {
    schemaVersion: 1,
    id,
    name,
    variables: [],
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
      { id: 'greet', type: 'message', position: { x: 300, y: 0 }, data: { text: 'Hello {{contact.name}}' } },
    ],
    edges: [{ id: 'e1', source: 'start', sourceHandle: 'next', target: 'greet' }],
  };
}

/** A flow the linter refuses: the message says nothing. */
export function brokenFlow(id = 'broken'): Record<string, unknown> {
  const flow = goodFlow(id, 'Broken');
  (flow.nodes as Array<{ data: Record<string, unknown> }>)[1]!.data = { text: '' };
  return flow;
}

export interface TestServer {
  url: string;
  origin: string;
  config: Config;
  store: Store;
  auth: Auth;
  deps: AppDeps;
  dataDir: string;
  flowsDir: string;
  /** How many operator commands were queued into the inbox. */
  queued: { count: number };
  /** Bearer tokens per role, plus ADMIN_TOKEN. */
  tokens: Record<Role | 'admin', string>;
  /** Users per role, all with TEST_PASSWORD. */
  emails: Record<Role, string>;
  logs: string[];
  clock: { now: number };
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  preview?: PreviewService;
  builderDir?: string;
  ready?: boolean;
  flows?: Record<string, unknown>[];
}

/** A real server on 127.0.0.1:0 over a real lowdb store in a temp dir, with users and tokens per role. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'parley-server-'));
  const dataDir = path.join(root, 'data');
  const flowsDir = path.join(root, 'flows');
  await mkdir(flowsDir, { recursive: true });
  for (const flow of options.flows ?? [goodFlow(), brokenFlow()]) {
    await writeFile(path.join(flowsDir, `${String(flow.id)}.json`), `${JSON.stringify(flow, null, 2)}\n`);
  }
  const adminToken = 'admin-token-for-tests-0123456789';
  const loaded = loadConfig(
    { DATA_DIR: dataDir, FLOWS_DIR: flowsDir, ADMIN_TOKEN: adminToken, PORT: '0', ...options.env },
    { dotenvPath: false },
  );
  if (!loaded.ok) throw new Error(loaded.message);
  const config = loaded.config;
  const clock = { now: Date.UTC(2026, 10, 25, 12) };
  const now = () => clock.now;
  const store = createLowdbStore({ dataDir, contentEncryption: false, fsync: false, clock: { now } });
  await store.init();
  const logs: string[] = [];
  const log = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  });
  const registry = createRegistry(builtinNodes);
  const auth = createAuth({
    store,
    adminToken,
    now,
    passwordCost: CHEAP_SCRYPT,
    throttle: new LoginThrottle({
      maxFailures: config.login.maxFailures,
      windowMs: config.login.windowMs,
      now,
    }),
  });
  const queued = { count: 0 };
  const commands = createConversationCommands({ store, clock: { now }, onQueued: () => (queued.count += 1) });
  const cipher = createCipher({ keys: [{ id: 'k1', key: Buffer.alloc(32, 9) }], activeKeyId: 'k1' });
  const deps: AppDeps = {
    config,
    store,
    registry,
    flows: new FlowRepository({ dir: flowsDir, store, catalog: registry, now }),
    log,
    metrics: createParleyMetrics(),
    auth,
    conversationCommands: commands,
    cipher,
    isReady: async () => options.ready ?? true,
    now,
    ...(options.preview ? { preview: options.preview } : {}),
    ...(options.builderDir ? { builderDir: options.builderDir } : {}),
  };
  const app = createApp(deps);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;

  const emails = {
    owner: 'owner@example.com',
    editor: 'editor@example.com',
    viewer: 'viewer@example.com',
  } as const;
  const tokens = { admin: adminToken } as Record<Role | 'admin', string>;
  for (const role of ['owner', 'editor', 'viewer'] as const) {
    await store.saveUser({
      id: `usr_${role}`,
      email: emails[role],
      role,
      passwordHash: await auth.hashPassword(TEST_PASSWORD),
      createdAt: now(),
    });
    tokens[role] = (await auth.createApiToken(`${role} token`, role, 'test')).token;
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    origin: url,
    config,
    store,
    auth,
    deps,
    dataDir,
    flowsDir,
    queued,
    tokens,
    emails: { ...emails },
    logs,
    clock,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A logged-in browser: the session cookie and CSRF token from a real login. */
export async function loginAs(server: TestServer, email: string, password = TEST_PASSWORD) {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.origin },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  const body = (await res.json()) as { csrfToken: string };
  return { cookie, csrfToken: body.csrfToken, setCookie };
}
