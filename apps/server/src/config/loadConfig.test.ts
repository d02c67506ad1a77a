import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './loadConfig.js';

const fixedRandom = (size: number) => Buffer.alloc(size, 7);
const load = (env: Record<string, string | undefined>) =>
  loadConfig(env, { dotenvPath: false, randomBytes: fixedRandom });

describe('loadConfig', () => {
  it('starts in sandbox mode with documented defaults and generated webhook secrets', () => {
    const result = load({});
    if (!result.ok) throw new Error(result.message);
    const { config } = result;
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.flowsDir).toBe(path.resolve('./flows'));
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.retentionDays).toBe(30);
    expect(config.outboxRatePerSecond).toBe(80);
    expect(config.claimGapMs).toBeUndefined();
    expect(config.graphSendThread).toBe(true);
    expect(config.sandbox).toBe(true);
    expect(config.whatsapp.appSecret).toBe(Buffer.alloc(32, 7).toString('hex'));
    expect(config.whatsapp.verifyToken).toHaveLength(32);
    expect(config.whatsapp.phoneNumberId).toBe('100000000000001');
    expect(config.whatsapp.graphApiBaseUrl).toBe('https://graph.facebook.com');
    expect(config.whatsapp.graphApiVersion).toMatch(/^v\d+\.0$/);
    expect(config.ownerEmail).toBe('owner@parley.local');
    expect(config.login).toEqual({ maxFailures: 5, windowMs: 15 * 60_000 });
    expect(config.http).toEqual({ allowPrivate: false, allowHosts: [] });
  });

  it('reads every variable it documents', () => {
    const key = Buffer.alloc(32, 1);
    const result = load({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: '/tmp/parley-data',
      FLOWS_DIR: '/tmp/parley-flows',
      DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
      WHATSAPP_ACCESS_TOKEN: 'EAAG-token',
      WHATSAPP_PHONE_NUMBER_ID: '1055',
      WHATSAPP_APP_SECRET: 'app-secret',
      WHATSAPP_VERIFY_TOKEN: 'verify-me',
      BOT_FLOW: 'pizza-order',
      GRAPH_API_BASE_URL: 'http://127.0.0.1:9999/',
      GRAPH_API_VERSION: 'v24.0',
      ADMIN_TOKEN: 'a'.repeat(32),
      DATA_ENCRYPTION_KEY: key.toString('base64'),
      RETENTION_DAYS: '7',
      LOG_LEVEL: 'debug',
      PARLEY_NODES: '@acme/nodes, ./local.js',
      HTTP_ALLOW_PRIVATE: 'true',
      HTTP_ALLOW_HOSTS: '127.0.0.1:8080,api.internal',
      OUTBOX_RATE_PER_SECOND: '20',
      CLAIM_GAP_MS: '0',
      GRAPH_SEND_THREAD: 'no',
      FORWARD_WEBHOOK_URL: 'https://example.com/hook',
      FORWARD_WEBHOOK_SECRET: 'fwd',
    });
    if (!result.ok) throw new Error(result.message);
    const { config } = result;
    expect(config.sandbox).toBe(false);
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgres://u@127.0.0.1:5432/db');
    expect(config.whatsapp).toMatchObject({
      accessToken: 'EAAG-token',
      phoneNumberId: '1055',
      appSecret: 'app-secret',
      verifyToken: 'verify-me',
      graphApiBaseUrl: 'http://127.0.0.1:9999',
      graphApiVersion: 'v24.0',
    });
    expect(config.botFlow).toBe('pizza-order');
    expect(config.dataEncryptionKey).toBe(key.toString('base64'));
    expect(config.retentionDays).toBe(7);
    expect(config.logLevel).toBe('debug');
    expect(config.customNodes).toEqual(['@acme/nodes', './local.js']);
    expect(config.http).toEqual({ allowPrivate: true, allowHosts: ['127.0.0.1:8080', 'api.internal'] });
    expect(config.outboxRatePerSecond).toBe(20);
    expect(config.claimGapMs).toBe(0);
    expect(config.graphSendThread).toBe(false);
    expect(config.forwardWebhook).toEqual({ url: 'https://example.com/hook', secret: 'fwd' });
  });

  it('accepts a hex key or a keyring, and treats empty values as unset', () => {
    const result = load({ DATA_ENCRYPTION_KEY: 'ab'.repeat(32), PORT: '', LOG_LEVEL: '  ' });
    if (!result.ok) throw new Error(result.message);
    expect(result.config.dataEncryptionKey).toBe('ab'.repeat(32));
    expect(result.config.port).toBe(3000);
    const ring = `k2:${Buffer.alloc(32, 2).toString('base64')},k1:${'cd'.repeat(32)}`;
    expect(load({ DATA_ENCRYPTION_KEY: ring }).ok).toBe(true);
    expect(load({ DATA_ENCRYPTION_KEY: `k2:${'ab'.repeat(31)}` }).ok).toBe(false);
  });

  it.each([
    ['PORT', 'eighty', 'PORT (is "eighty")'],
    ['PORT', '70000', 'PORT (is "70000"): Use a number from 0 to 65535'],
    ['RETENTION_DAYS', '0', 'RETENTION_DAYS'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL'],
    ['GRAPH_API_VERSION', '25', 'GRAPH_API_VERSION (is "25"): Use a version like v25.0'],
    ['BOT_FLOW', 'Welcome Flow', 'BOT_FLOW'],
    ['HTTP_ALLOW_PRIVATE', 'maybe', 'HTTP_ALLOW_PRIVATE'],
    ['WHATSAPP_PHONE_NUMBER_ID', '+31 6', 'WHATSAPP_PHONE_NUMBER_ID'],
    ['OUTBOX_RATE_PER_SECOND', '-1', 'OUTBOX_RATE_PER_SECOND'],
    ['CLAIM_GAP_MS', '5000', 'CLAIM_GAP_MS (is "5000"): Use a number from 0 to 1000'],
    ['GRAPH_SEND_THREAD', 'sometimes', 'GRAPH_SEND_THREAD (is "sometimes"): Use true or false'],
    ['GRAPH_API_BASE_URL', 'ftp://x', 'GRAPH_API_BASE_URL'],
  ])('refuses a bad %s with a message naming it', (name, value, expected) => {
    const result = load({ [name]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(expected);
  });

  it('never repeats a secret value in its message', () => {
    const result = load({ ADMIN_TOKEN: 'short-secret', DATA_ENCRYPTION_KEY: 'not-a-key-secret' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain('ADMIN_TOKEN');
    expect(result.message).toContain('DATA_ENCRYPTION_KEY');
    expect(result.message).not.toContain('short-secret');
    expect(result.message).not.toContain('not-a-key-secret');
  });

  it('names every bad variable at once', () => {
    const result = load({ PORT: 'x', RETENTION_DAYS: 'y' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('PORT');
      expect(result.message).toContain('RETENTION_DAYS');
    }
  });

  it('refuses production without an app secret and an admin credential', () => {
    const result = load({ NODE_ENV: 'production' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('WHATSAPP_APP_SECRET');
      expect(result.message).toContain('ADMIN_TOKEN');
    }
    const ok = load({ NODE_ENV: 'production', WHATSAPP_APP_SECRET: 's', ADMIN_TOKEN: 'x'.repeat(24) });
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.warnings.join(' ')).toContain('DATA_ENCRYPTION_KEY');
  });

  it('refuses live credentials without a way to verify webhooks', () => {
    const result = load({ WHATSAPP_ACCESS_TOKEN: 'EAAG' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('WHATSAPP_APP_SECRET');
      expect(result.message).toContain('WHATSAPP_VERIFY_TOKEN');
    }
  });

  it('requires a secret to sign forwarded webhooks', () => {
    const result = load({ FORWARD_WEBHOOK_URL: 'https://example.com/x' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('FORWARD_WEBHOOK_SECRET');
  });

  it('reads .env without overriding the real environment', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-env-'));
    const file = path.join(dir, '.env');
    writeFileSync(file, 'PORT=4000\nRETENTION_DAYS=9\n# comment\nLOG_LEVEL="warn"\n');
    const result = loadConfig({ RETENTION_DAYS: '12' }, { dotenvPath: file });
    if (!result.ok) throw new Error(result.message);
    expect(result.config.port).toBe(4000);
    expect(result.config.retentionDays).toBe(12);
    expect(result.config.logLevel).toBe('warn');
  });

  it('ignores a missing .env file', () => {
    const result = loadConfig({}, { dotenvPath: path.join(tmpdir(), 'does-not-exist', '.env') });
    expect(result.ok).toBe(true);
  });
});
