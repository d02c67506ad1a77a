import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
/** Where screenshots are kept as CI artifacts (named in the README). */
export const screenshotDir = path.join(repoRoot, 'artifacts', 'screenshots');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Debian's Chromium, driven by playwright-core (which never downloads browsers). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** A fresh context with fixed viewport, locale, time zone and reduced motion; the test bridge on. */
export async function newTestContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1600, height: 900 },
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15_000);
  await context.addInitScript(() => {
    (window as unknown as { __PARLEY_TEST__: boolean }).__PARLEY_TEST__ = true;
  });
  return context;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export interface RunningServer {
  url: string;
  adminToken: string;
  email: string;
  password: string;
  flowsDir: string;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * Starts the real server (`node apps/server/dist/main.js`, built by `npm run build`) in sandbox
 * mode with a temp DATA_DIR and a temp copy of flows/, then creates an editor user with
 * ADMIN_TOKEN. `PARLEY_E2E_URL` (+ `PARLEY_E2E_EMAIL`/`PARLEY_E2E_PASSWORD`) points the tests at a
 * server that is already running instead.
 */
export async function startServer(): Promise<RunningServer> {
  const logs: string[] = [];
  const password = 'e2e-password-0123456789';
  const email = `editor-${Date.now()}@e2e.local`;
  if (process.env.PARLEY_E2E_URL) {
    return {
      url: process.env.PARLEY_E2E_URL,
      adminToken: process.env.PARLEY_E2E_ADMIN_TOKEN ?? '',
      email: process.env.PARLEY_E2E_EMAIL ?? 'editor@example.com',
      password: process.env.PARLEY_E2E_PASSWORD ?? '',
      flowsDir: process.env.PARLEY_E2E_FLOWS_DIR ?? '',
      logs,
      stop: async () => undefined,
    };
  }
  const main = path.join(repoRoot, 'apps/server/dist/main.js');
  const builder = path.join(repoRoot, 'apps/builder/dist/index.html');
  if (!existsSync(main) || !existsSync(builder)) {
    throw new Error(
      `The e2e tests need a build: run \`npm run build\` first (missing ${existsSync(main) ? builder : main}).`,
    );
  }
  const root = await mkdtemp(path.join(tmpdir(), 'parley-e2e-'));
  const dataDir = path.join(root, 'data');
  const flowsDir = path.join(root, 'flows');
  await mkdir(dataDir, { recursive: true });
  await cp(path.join(repoRoot, 'flows'), flowsDir, { recursive: true });
  const port = await freePort();
  const adminToken = `e2e-admin-${Math.random().toString(36).slice(2)}-token`;
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      FLOWS_DIR: flowsDir,
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => logs.push(String(d)));
  child.stderr?.on('data', (d: Buffer) => logs.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          r(null);
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          r(null);
        });
      });
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`server exited with ${child.exitCode}: ${logs.join('').slice(-2000)}`);
        const res = await fetch(`${url}/healthz`);
        return res.ok;
      },
      30_000,
      'the server to answer /healthz',
    );
    const res = await fetch(`${url}/api/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, role: 'editor' }),
    });
    if (!res.ok) throw new Error(`Could not create the e2e user: ${res.status} ${await res.text()}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, adminToken, email, password, flowsDir, logs, stop };
}

/** Logs in through the login page. */
export async function logIn(page: Page, server: RunningServer, path = '/flows'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Email').fill(server.email);
  await page.getByLabel('Password').fill(server.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('user').waitFor();
}

/** Saves a screenshot under artifacts/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
