import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/loadConfig.js';
import { startParley, type RunningParley } from '../src/startParley.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

export interface TestParley extends RunningParley {
  dataDir: string;
  flowsDir: string;
  adminToken: string;
  /** The sandbox bot's business number. */
  phoneNumberId: string;
  stop(): Promise<void>;
}

/**
 * A real Parley on 127.0.0.1 (random port) in sandbox mode, with a fresh DATA_DIR and a copy of
 * the example flows, for end-to-end tests.
 */
export async function startTestParley(env: Record<string, string> = {}): Promise<TestParley> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-e2e-'));
  const flowsDir = path.join(dataDir, 'flows');
  await cp(path.join(repoRoot, 'flows'), flowsDir, { recursive: true });
  const adminToken = 'test-admin-token-0123456789abcdef';
  const result = loadConfig(
    {
      DATA_DIR: dataDir,
      FLOWS_DIR: flowsDir,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'silent',
      ...env,
    },
    { dotenvPath: false },
  );
  if (!result.ok) throw new Error(result.message);
  const running = await startParley(result.config, {
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    print: () => undefined,
    rootDir: repoRoot,
    env: {},
  });
  return {
    ...running,
    dataDir,
    flowsDir,
    adminToken,
    phoneNumberId: result.config.whatsapp.phoneNumberId,
    async stop() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
