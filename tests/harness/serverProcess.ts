import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The repository root (tests/harness → ../..). */
export const repoRoot = path.resolve(import.meta.dirname, '../..');
/** The built production server every fault test runs. */
export const serverEntry = path.join(repoRoot, 'apps/server/dist/main.js');

/** A built Parley running as a child process. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Everything the process printed (bounded to the last 200 KB). */
  output(): string;
  /** `kill -9`: no shutdown hook runs. Resolves once the process is gone. */
  crash(): Promise<void>;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** Thrown when the server does not come up. */
export class ServerStartError extends Error {
  readonly code = 'server_start_failed';
}

const READY = /Parley is running: open http:\/\/[^:]+:(\d+)/;

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Spawns `node apps/server/dist/main.js` with `env` and collects its output. */
export function spawnServer(env: Record<string, string>): { child: ChildProcess; output(): string } {
  const child = spawn(process.execPath, [serverEntry], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > 200_000) text = text.slice(-100_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return { child, output: () => text };
}

/** Starts the built server and waits for its "Parley is running" line. */
export async function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const { child, output } = spawnServer(env);
  const exited = exitOf(child);
  const port = await new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      const match = READY.exec(output());
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    }, 10);
    const timer = setTimeout(() => {
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(new ServerStartError(`The server did not start in ${timeoutMs} ms:\n${output().slice(-3000)}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new ServerStartError(`The server exited with ${code}:\n${output().slice(-3000)}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output,
    exited,
    async crash() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
