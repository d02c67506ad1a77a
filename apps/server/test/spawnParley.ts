import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './serverTestKit.js';

/** A Parley server running as its own process (`main.ts`), as `npm start` runs it. */
export interface ParleyProcess {
  url: string;
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * The command that runs the server: `PARLEY_TEST_SERVER=dist` uses the built
 * apps/server/dist/main.js (`node scripts/build.mjs --server-only`); the default runs the
 * sources through tsx, so the test never checks a stale build.
 */
function serverCommand(): string[] {
  if (process.env.PARLEY_TEST_SERVER === 'dist') {
    const built = path.join(repoRoot, 'apps/server/dist/main.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: run node scripts/build.mjs --server-only`);
    return [built];
  }
  return ['--conditions=source', '--import', 'tsx', path.join(repoRoot, 'apps/server/src/main.ts')];
}

/** Spawns the server with `env` (on top of PATH/HOME only) and waits until it says where it runs. */
export async function spawnParley(env: Record<string, string>, timeoutMs = 60_000): Promise<ParleyProcess> {
  const child = spawn(process.execPath, serverCommand(), {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Parley did not start in ${timeoutMs} ms:\n${output.slice(-3000)}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const match = /Parley is running: open http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`Parley exited (${code}) before it started:\n${output.slice(-3000)}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
}
