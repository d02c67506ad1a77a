import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../apps/server/src/config/loadConfig.js';
import { startParley, type RunningParley } from '../../apps/server/src/startParley.js';
import { repoRoot } from './runChild.js';

/** A clock the test moves by hand. */
export interface FakeClock {
  now(): number;
  set(value: number): void;
  advance(ms: number): void;
}

export function createFakeClock(start: number): FakeClock {
  let value = start;
  return {
    now: () => value,
    set: (next) => {
      value = next;
    },
    advance: (ms) => {
      value += ms;
    },
  };
}

export interface ClockedParley extends RunningParley {
  dataDir: string;
  phoneNumberId: string;
  clock: FakeClock;
  stop(): Promise<void>;
}

/**
 * A real in-process Parley (sandbox, lowdb, 127.0.0.1) whose engine, timers and retention run on
 * a fake clock; `extraFlows` are written into its FLOWS_DIR first.
 */
export async function startClockedParley(
  clock: FakeClock,
  env: Record<string, string>,
  extraFlows: Record<string, unknown>[] = [],
): Promise<ClockedParley> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-clocked-'));
  const flowsDir = path.join(dataDir, 'flows');
  await cp(path.join(repoRoot, 'flows'), flowsDir, { recursive: true });
  for (const flow of extraFlows)
    await writeFile(path.join(flowsDir, `${String(flow.id)}.json`), JSON.stringify(flow, null, 2));
  const result = loadConfig(
    {
      DATA_DIR: dataDir,
      FLOWS_DIR: flowsDir,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_TOKEN: 'clocked-admin-token-0123456789abcdef',
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
    clock,
  });
  return {
    ...running,
    dataDir,
    clock,
    phoneNumberId: result.config.whatsapp.phoneNumberId,
    async stop() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
