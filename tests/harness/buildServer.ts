// vitest globalSetup: the fault battery runs the BUILT server; rebuild it when a source is newer.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, serverEntry } from './serverProcess.js';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'e2e') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
      newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(serverEntry).mtimeMs;
  } catch {
    return 0;
  }
}

/** Builds `apps/server/dist/main.js` (and the packages it imports) when missing or stale. */
export function ensureServerBuilt(): void {
  const sources = Math.max(
    newestSource(path.join(repoRoot, 'packages')),
    newestSource(path.join(repoRoot, 'apps/server/src')),
  );
  if (builtAt() >= sources) return;
  process.stderr.write('[faults] building the server (node scripts/build.mjs --server-only)…\n');
  execFileSync(process.execPath, ['scripts/build.mjs', '--server-only'], { cwd: repoRoot, stdio: 'inherit' });
}

export default function setup(): void {
  ensureServerBuilt();
}
