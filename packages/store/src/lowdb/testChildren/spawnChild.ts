import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs a TypeScript child script of this folder with tsx and the `source` condition. */
export function spawnChild(
  script: 'holdStore' | 'commitLoop' | 'journalLoop' | 'claimAndHold',
  args: string[],
): ChildProcess {
  const path = fileURLToPath(new URL(`./${script}.ts`, import.meta.url));
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', path, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** Resolves with the first stdout line matching `pattern` (rejects on exit first). */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(
      () => reject(new Error(`child did not print ${pattern} in time; stderr: ${stderr}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((item) => pattern.test(item));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = buffer.split('\n').find((item) => pattern.test(item));
      if (line !== undefined) resolve(line);
      else reject(new Error(`child exited (${code}) before printing ${pattern}; stderr: ${stderr}`));
    });
  });
}
