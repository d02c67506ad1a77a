import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStore } from './createStore.js';
import { aadFor } from './crypto/sealFields.js';
import { probeTestDatabase, testSchemaName, dropSchema } from './postgres/postgresHarness.js';

describe('createStore', () => {
  it('opens lowdb in DATA_DIR with a generated token key and no content encryption', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-factory-'));
    const warnings: string[] = [];
    try {
      const created = await createStore({
        dataDir,
        log: { info() {}, error() {}, warn: (_obj, msg) => warnings.push(msg ?? '') },
      });
      expect(created).toMatchObject({ kind: 'lowdb', contentEncryption: false, keySource: 'generated' });
      expect(warnings.join()).toMatch(/generated a key/);
      await created.store.init();
      const sealed = created.codec.sealSecret('EAAG-secret', aadFor.botToken('b1'));
      expect(sealed).not.toContain('EAAG');
      await created.store.close();
      expect(await readdir(dataDir)).toContain('secret.key');
      const again = await createStore({ dataDir });
      expect(again.keySource).toBe('file');
      expect(again.codec.openSecret(sealed, aadFor.botToken('b1'))).toBe('EAAG-secret');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('turns content encryption on with DATA_ENCRYPTION_KEY and refuses a bad one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-factory-'));
    try {
      const created = await createStore({ dataDir, encryptionKey: randomBytes(32).toString('base64') });
      expect(created).toMatchObject({ contentEncryption: true, keySource: 'env' });
      await expect(createStore({ dataDir, encryptionKey: 'short' })).rejects.toMatchObject({
        code: 'crypto.bad_key',
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('picks PostgreSQL when DATABASE_URL is set', async () => {
    const probe = await probeTestDatabase();
    if ('skip' in probe) {
      if (process.env.CI === 'true') throw new Error(probe.skip);
      process.stderr.write(`⚠️  createStore PostgreSQL case SKIPPED: ${probe.skip}\n`);
      return;
    }
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-factory-'));
    const schema = testSchemaName();
    try {
      const created = await createStore({
        databaseUrl: probe.url,
        schema,
        dataDir,
        encryptionKey: randomBytes(32).toString('hex'),
      });
      expect(created.kind).toBe('postgres');
      await created.store.init();
      expect(await created.store.ping()).toBe(true);
      await created.store.close();
      expect(await created.store.ping()).toBe(false);
    } finally {
      await dropSchema(probe.url, schema);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
