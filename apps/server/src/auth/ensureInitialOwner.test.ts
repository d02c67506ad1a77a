import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLowdbStore, type Store } from '@parley/store';
import { ensureInitialOwner, INITIAL_OWNER_FILE } from './ensureInitialOwner.js';
import { hashPassword, verifyPassword } from './password.js';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-owner-'));
  store = createLowdbStore({ dataDir: dir, contentEncryption: false, fsync: false });
  await store.init();
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const cheapHash = (p: string) => hashPassword(p, { N: 1024, r: 8, p: 1 });

describe('ensureInitialOwner', () => {
  it('creates the owner once, prints the password once in a box, and keeps it in DATA_DIR in sandbox mode', async () => {
    const printed: string[] = [];
    const created = await ensureInitialOwner({
      store,
      email: 'owner@parley.local',
      hashPassword: cheapHash,
      print: (t) => printed.push(t),
      sandbox: true,
      dataDir: dir,
    });
    expect(created).not.toBeNull();
    expect(created!.password.length).toBeGreaterThanOrEqual(20);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(created!.password);
    expect(printed[0]).toMatch(/^┌─+┐/);
    const users = await store.listUsers();
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ email: 'owner@parley.local', role: 'owner' });
    expect(await verifyPassword(created!.password, users[0]!.passwordHash)).toBe(true);
    const file = path.join(dir, INITIAL_OWNER_FILE);
    expect(await readFile(file, 'utf8')).toContain(created!.password);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const again = await ensureInitialOwner({
      store,
      email: 'owner@parley.local',
      hashPassword: cheapHash,
      print: (t) => printed.push(t),
      sandbox: true,
      dataDir: dir,
    });
    expect(again).toBeNull();
    expect(printed).toHaveLength(1);
  });

  it('writes no file outside sandbox mode', async () => {
    const created = await ensureInitialOwner({
      store,
      email: 'boss@example.com',
      hashPassword: cheapHash,
      print: () => undefined,
      sandbox: false,
      dataDir: dir,
    });
    expect(created?.file).toBeUndefined();
    await expect(stat(path.join(dir, INITIAL_OWNER_FILE))).rejects.toThrow();
  });
});
