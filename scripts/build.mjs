// Builds every workspace package to dist/ with esbuild (one ESM file per export, npm
// dependencies left external), then the server entry and the builder (Vite).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listWorkspaces } from './workspaces.mjs';

const root = resolve(import.meta.dirname, '..');
const onlyServer = process.argv.includes('--server-only');

const entries = [];
for (const ws of listWorkspaces()) {
  for (const e of ws.exports) entries.push({ in: e.source, out: e.dist });
}
const serverDir = join(root, 'apps/server');
for (const name of ['main', 'simulator-main']) {
  const source = join(serverDir, 'src', `${name}.ts`);
  if (existsSync(source)) entries.push({ in: source, out: join(serverDir, 'dist', `${name}.js`) });
}

await Promise.all(
  entries.map((e) =>
    build({
      entryPoints: [e.in],
      outfile: e.out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      logLevel: 'warning',
    }),
  ),
);

const builderDir = join(root, 'apps/builder');
if (!onlyServer && existsSync(join(builderDir, 'vite.config.ts'))) {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: builderDir,
      stdio: 'inherit',
    },
  );
}
console.log(`built ${entries.length} entries`);
