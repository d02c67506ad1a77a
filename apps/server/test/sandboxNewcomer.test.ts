import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, makeDataDir, repoRoot, startKitParley } from './serverTestKit.js';
import { spawnParley, type ParleyProcess } from './spawnParley.js';

const builderIndex = path.join(repoRoot, 'apps/builder/dist/index.html');

describe('sandbox mode: the newcomer path (npm start with nothing configured)', () => {
  let dataDir: string;
  let server: ParleyProcess | undefined;
  let email: string;
  let password: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-newcomer-'));
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = () =>
    // No WhatsApp credentials, no ADMIN_TOKEN, no encryption key: exactly what a newcomer has.
    spawnParley({ DATA_DIR: dataDir, FLOWS_DIR: path.join(repoRoot, 'flows'), LOG_LEVEL: 'info' });
  const stop = async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
  };

  it('prints the owner credentials once, keeps them in initial-owner.txt (0600), and they log in', async () => {
    server = await start();
    const output = server.output();
    expect(output).toMatch(/sandbox mode/);
    const box = /email:\s+(\S+)\s*│?\n.*password:\s+(\S+)/.exec(output);
    expect(box, output.slice(0, 2000)).not.toBeNull();
    [, email, password] = box as unknown as [string, string, string];
    expect(password.length).toBeGreaterThanOrEqual(16);

    const file = path.join(dataDir, 'initial-owner.txt');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = await readFile(file, 'utf8');
    expect(saved).toContain(`email: ${email}`);
    expect(saved).toContain(`password: ${password}`);
    // The password goes to the terminal and the file, never into a log line.
    for (const line of output.split('\n').filter((l) => l.startsWith('{')))
      expect(line.includes(password), line).toBe(false);

    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    const html = await home.text();
    if (existsSync(builderIndex)) expect(html).toBe(await readFile(builderIndex, 'utf8'));
    else expect(html).toContain('the flow editor has not been built yet');

    const wrong = await callApi(server.url, 'POST', '/api/auth/login', {
      token: null,
      body: { email, password: `${password}x` },
    });
    expect(wrong.status).toBe(401);
    const login = await callApi(server.url, 'POST', '/api/auth/login', {
      token: null,
      body: { email, password },
    });
    expect(login.status).toBe(200);
    expect(login.json.user).toMatchObject({ email, role: 'owner' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const me = await callApi(server.url, 'GET', '/api/auth/me', { token: null, headers: { cookie } });
    expect(me.status).toBe(200);
    // The sandbox bot is there and answers through the built-in simulator.
    const bots = await callApi(server.url, 'GET', '/api/bots', { token: null, headers: { cookie } });
    expect(bots.json.bots.map((b: { kind: string }) => b.kind)).toContain('sandbox');
    await stop();
  }, 90_000);

  it('does not create or print another owner on the next start', async () => {
    expect(password).toBeDefined();
    server = await start();
    expect(server.output()).not.toMatch(/password:/);
    const login = await callApi(server.url, 'POST', '/api/auth/login', {
      token: null,
      body: { email, password },
    });
    expect(login.status).toBe(200);
    await stop();
  }, 90_000);

  it('shows the friendly page at / when the builder is not built', async () => {
    const dirs = await makeDataDir();
    const parley = await startKitParley({ ...dirs, builderDir: path.join(dirs.dataDir, 'no-builder-here') });
    try {
      const home = await fetch(`${parley.url}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('the flow editor has not been built yet');
      expect(parley.printed.join('')).toMatch(/password:/);
      expect(existsSync(path.join(dirs.dataDir, 'initial-owner.txt'))).toBe(true);
    } finally {
      await parley.close();
      await rm(dirs.dataDir, { recursive: true, force: true });
    }
  });
});
