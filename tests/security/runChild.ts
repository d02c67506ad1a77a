import { spawn } from 'node:child_process';
import path from 'node:path';

/** The repository root. */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** What a child script printed, or that it was killed at the deadline. */
export type ChildOutcome =
  { timedOut: false; stdout: string; code: number | null } | { timedOut: true; ms: number };

/** Runs a TypeScript file under tsx (workspace sources) and kills it after `timeoutMs`. */
export function runTsChild(script: string, args: string[], timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const started = Date.now();
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (timedOut) resolve({ timedOut: true, ms: Date.now() - started });
      else resolve({ timedOut: false, stdout: stdout || stderr, code });
    });
  });
}
