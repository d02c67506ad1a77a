import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNodeForTest } from '@parley/nodes/testing';
import { loadNodeRegistry, NodeRegistryLoadError } from './loadNodeRegistry.js';

const repoRoot = path.resolve(import.meta.dirname, '../../../..');
let dir: string;

/** A custom node as a plain ESM file: it needs only zod (reached through a node_modules link). */
function nodeFile(type: string, extra = ''): string {
  return `import { z } from 'zod';
export const node = {
  type: ${JSON.stringify(type)}, title: 'Hello', category: 'Messages', icon: '👋', description: 'Says hello',
  config: z.object({ name: z.string().default('world') }),
  ports: [{ id: 'next', label: 'Next' }],
  run: ({ config }) => ({ messages: [{ type: 'text', text: 'Hello ' + config.name }], next: { port: 'next' } }),
  ${extra}
};
export const notANode = 42;
`;
}

async function project(name: string, config: unknown, files: Record<string, string> = {}): Promise<string> {
  const root = path.join(dir, name);
  await mkdir(root, { recursive: true });
  if (config !== undefined)
    await writeFile(
      path.join(root, 'parley.config.json'),
      typeof config === 'string' ? config : JSON.stringify(config),
    );
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

async function loadError(promise: Promise<unknown>): Promise<NodeRegistryLoadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(NodeRegistryLoadError);
  return error as NodeRegistryLoadError;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-nodes-'));
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadNodeRegistry', () => {
  it('gives the built-in nodes when nothing is configured', async () => {
    const registry = await loadNodeRegistry({ rootDir: await project('empty', undefined), env: {} });
    expect(registry.list()).toHaveLength(12);
    expect(registry.has('acme/order-status')).toBe(false);
  });

  it("loads the example package listed in the repository's parley.config.json", async () => {
    const registry = await loadNodeRegistry({ rootDir: repoRoot, env: {} });
    expect(registry.has('acme/order-status')).toBe(true);
    expect(registry.manifest().map((entry) => entry.type)).toContain('acme/order-status');
  });

  it('loads files relative to the config file and from PARLEY_NODES, and runs them', async () => {
    const root = await project(
      'files',
      { nodes: ['./nodes/hello.mjs'] },
      {
        'nodes/hello.mjs': nodeFile('acme/hello'),
        'other/bye.mjs': nodeFile('acme/bye'),
      },
    );
    const registry = await loadNodeRegistry({
      rootDir: root,
      env: { PARLEY_NODES: ` ${path.join(root, 'other/bye.mjs')} , ` },
    });
    expect(
      registry
        .list()
        .map((node) => node.type)
        .slice(-2),
    ).toEqual(['acme/hello', 'acme/bye']);
    const hello = registry.get('acme/hello');
    if (!hello) throw new Error('acme/hello missing');
    expect((await runNodeForTest(hello.definition, { config: { name: 'Ada' } })).result.messages).toEqual([
      { type: 'text', text: 'Hello Ada' },
    ]);
  });

  it('accepts the same module listed twice', async () => {
    const root = await project(
      'twice',
      { nodes: ['./hello.mjs', './hello.mjs'] },
      { 'hello.mjs': nodeFile('acme/hello') },
    );
    expect((await loadNodeRegistry({ rootDir: root, env: {} })).list()).toHaveLength(13);
  });

  it('says clearly when a module is missing', async () => {
    const byPath = await loadError(
      loadNodeRegistry({ rootDir: await project('missing', { nodes: ['./nope.mjs'] }), env: {} }),
    );
    expect(byPath.code).toBe('NODE_MODULE_NOT_FOUND');
    expect(byPath.message).toContain(
      'Custom node module "./nope.mjs" (listed in parley.config.json) was not found',
    );
    const byName = await loadError(
      loadNodeRegistry({
        rootDir: await project('missing-pkg', undefined),
        env: { PARLEY_NODES: '@acme/does-not-exist' },
      }),
    );
    expect(byName.code).toBe('NODE_MODULE_NOT_FOUND');
    expect(byName.message).toContain('npm install @acme/does-not-exist');
  });

  it('refuses a type that is already taken, naming both sides', async () => {
    const clash = await loadError(
      loadNodeRegistry({
        rootDir: await project('clash', { nodes: ['./m.mjs'] }, { 'm.mjs': nodeFile('message') }),
        env: {},
      }),
    );
    expect(clash.code).toBe('DUPLICATE_NODE_TYPE');
    expect(clash.message).toContain(
      'Node type "message" from "./m.mjs" is already defined by the built-in nodes',
    );
    const root = await project(
      'clash2',
      { nodes: ['./a.mjs', './b.mjs'] },
      { 'a.mjs': nodeFile('acme/x'), 'b.mjs': nodeFile('acme/x') },
    );
    expect((await loadError(loadNodeRegistry({ rootDir: root, env: {} }))).message).toContain(
      'already defined by "./a.mjs"',
    );
  });

  it('refuses invalid definitions, empty modules and modules that throw', async () => {
    const invalid = await loadError(
      loadNodeRegistry({
        rootDir: await project(
          'invalid',
          { nodes: ['./m.mjs'] },
          { 'm.mjs': nodeFile('acme/bad', "title: ''") },
        ),
        env: {},
      }),
    );
    expect(invalid.code).toBe('NODE_DEFINITION_INVALID');
    expect(invalid.message).toContain(
      'Export "node" of custom node module "./m.mjs" is not a valid node definition: title must be a non-empty string',
    );
    const empty = await loadError(
      loadNodeRegistry({
        rootDir: await project('no-nodes', { nodes: ['./m.mjs'] }, { 'm.mjs': 'export const x = 1;\n' }),
        env: {},
      }),
    );
    expect(empty.code).toBe('NODE_MODULE_EMPTY');
    const throwing = await loadError(
      loadNodeRegistry({
        rootDir: await project('throws', { nodes: ['./m.mjs'] }, { 'm.mjs': "throw new Error('kaput');\n" }),
        env: {},
      }),
    );
    expect(throwing.code).toBe('NODE_MODULE_FAILED');
    expect(throwing.message).toContain('kaput');
  });

  it('refuses a malformed parley.config.json', async () => {
    expect(
      (await loadError(loadNodeRegistry({ rootDir: await project('bad-json', '{ nodes: '), env: {} })))
        .message,
    ).toContain('is not valid JSON');
    const wrong = await loadError(
      loadNodeRegistry({ rootDir: await project('bad-shape', { nodes: 'x' }), env: {} }),
    );
    expect(wrong.code).toBe('NODES_CONFIG_INVALID');
    expect(wrong.message).toContain('"nodes" must be a list');
  });
});
