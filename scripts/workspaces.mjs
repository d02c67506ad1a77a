// One list of our workspace packages and their source entry points, read from each
// package.json's "source" export condition. Vitest, Vite and the build all use it, so
// there is exactly one way for workspaces to consume each other.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Every workspace: { name, dir, exports: [{ subpath, source, dist }] }. */
export function listWorkspaces() {
  const result = [];
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(root, group))) {
      const dir = join(root, group, entry);
      const manifestPath = join(dir, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      const exportsField = manifest.exports ?? {};
      const exports = Object.entries(exportsField)
        .filter(([, target]) => typeof target === 'object' && target.source)
        .map(([subpath, target]) => ({
          subpath,
          source: join(dir, target.source),
          dist: join(dir, target.default),
        }));
      result.push({ name: manifest.name, dir, exports });
    }
  }
  return result;
}

/** Aliases from import specifier to source file, most specific first. */
export function sourceAliases() {
  const aliases = [];
  for (const ws of listWorkspaces()) {
    for (const e of ws.exports) {
      const specifier = e.subpath === '.' ? ws.name : `${ws.name}/${e.subpath.slice(2)}`;
      aliases.push({ find: new RegExp(`^${specifier.replace(/[/.@-]/g, '\\$&')}$`), replacement: e.source });
    }
  }
  return aliases;
}
