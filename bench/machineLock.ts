import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LOCK_DIR = path.join(tmpdir(), 'parley-bench.lock');

function holderAlive(): boolean {
  try {
    const pid = Number(readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until no other benchmark runs on this machine, then holds the lock until this process
 * exits. Two benchmarks at once share the cores and make each other's figures meaningless.
 */
export async function holdMachineLock(log: (line: string) => void): Promise<void> {
  let told = false;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      process.once('exit', () => rmSync(LOCK_DIR, { recursive: true, force: true }));
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A holder that died without cleaning up (or is still writing its pid) leaves a stale lock.
      if (!holderAlive()) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (!holderAlive()) rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (!told) log(`waiting for another benchmark on this machine to finish (${LOCK_DIR})…`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
