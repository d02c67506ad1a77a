import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runValidate } from './validate.js';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../../..');
let dir: string;

async function welcome(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(repoRoot, 'flows/welcome.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** Runs the real CLI as `npm run validate` does, from the repository root. */
async function spawnValidate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      ['--conditions=source', 'apps/server/src/cli/validate.ts', ...args],
      { cwd: repoRoot, env: { ...process.env, PARLEY_NODES: '' } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function capture(args: string[], cwd = repoRoot) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runValidate({
    args,
    cwd,
    env: {},
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-validate-'));
  const good = await welcome();
  await mkdir(path.join(dir, 'good'));
  await writeFile(path.join(dir, 'good/welcome.json'), JSON.stringify(good));
  const broken = structuredClone(good) as { id: string; nodes: Array<{ data: Record<string, unknown> }> };
  broken.id = 'broken';
  const greet = broken.nodes[1]?.data as { display?: string; options: Array<{ title: string }> };
  greet.display = 'buttons';
  greet.options[0]!.title = 'A much too long button title';
  (broken.nodes[2]?.data as { text: string }).text = 'Hello {{nobody}}';
  await mkdir(path.join(dir, 'bad'));
  await writeFile(path.join(dir, 'bad/broken.json'), JSON.stringify(broken));
  await writeFile(path.join(dir, 'bad/truncated.json'), '{ "schemaVersion": 1, ');
  await writeFile(path.join(dir, 'good/renamed.json'), JSON.stringify(good));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Spawning tsx compiles the sources on the fly: slow on a busy machine.
describe('npm run validate (spawned)', { timeout: 60_000 }, () => {
  it('passes a good flow with exit code 0', async () => {
    const result = await spawnValidate(path.join(dir, 'good/welcome.json'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Checked 1 flow: 0 errors, 0 warnings. All good.');
  });

  it('prints one line per problem and exits 1 on a broken flow', async () => {
    const result = await spawnValidate(path.join(dir, 'bad'));
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toContain(
      `${path.join(dir, 'bad/broken.json')}: node "greet" (nodes[1].data.options[0].title): Button 1's title is 28 characters; WhatsApp allows 20`,
    );
    expect(lines.some((line) => line.includes('broken.json: node "menu"') && line.includes('"nobody"'))).toBe(
      true,
    );
    expect(lines.some((line) => line.startsWith(`${path.join(dir, 'bad/truncated.json')} (line 1`))).toBe(
      true,
    );
    expect(lines.at(-1)).toBe('Checked 2 flows: 3 errors, 0 warnings (2 flows with errors).');
  });
});

describe('runValidate', () => {
  it("checks the repository's flows by default, custom nodes included", async () => {
    const result = await capture([]);
    expect(result.err).toEqual([]);
    expect(result.out.at(-1)).toMatch(/^Checked [3-9]\d* flows: 0 errors, 0 warnings\. All good\.$/);
  });

  it('skips transcript tests (*.test.json) beside the flows', async () => {
    await mkdir(path.join(dir, 'with-tests'));
    await writeFile(path.join(dir, 'with-tests/welcome.json'), JSON.stringify(await welcome()));
    await writeFile(path.join(dir, 'with-tests/welcome.test.json'), JSON.stringify({ cases: [] }));
    const result = await capture([path.join(dir, 'with-tests')]);
    expect(result.code).toBe(0);
    expect(result.out.at(-1)).toBe('Checked 1 flow: 0 errors, 0 warnings. All good.');
  });

  it('warns, without failing, when a flow id differs from its file name', async () => {
    const result = await capture([path.join(dir, 'good/renamed.json')]);
    expect(result.code).toBe(0);
    expect(result.out[0]).toContain(
      'renamed.json (id): warning: The flow id "welcome" differs from its file name',
    );
  });

  it('fails on a path that does not exist, or a folder without flows', async () => {
    const missing = await capture(['nowhere/at-all.json']);
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toBe('nowhere/at-all.json: no such file or folder');
    await mkdir(path.join(dir, 'empty'));
    const empty = await capture([path.join(dir, 'empty')]);
    expect(empty.code).toBe(1);
    expect(empty.err.at(-1)).toContain('No flow files (*.json) found');
  });

  it('fails with a clear line when the node configuration is broken', async () => {
    const root = path.join(dir, 'misconfigured');
    await mkdir(root);
    await writeFile(path.join(root, 'parley.config.json'), JSON.stringify({ nodes: ['./missing-node.mjs'] }));
    const result = await capture([path.join(dir, 'good')], root);
    expect(result.code).toBe(1);
    expect(result.err[0]).toContain('Cannot load the node types: Custom node module "./missing-node.mjs"');
  });
});

describe('the example flows', () => {
  async function flow(name: string): Promise<{ nodes: Array<{ id: string; type: string; data: unknown }> }> {
    return JSON.parse(await readFile(path.join(repoRoot, 'flows', `${name}.json`), 'utf8')) as {
      nodes: Array<{ id: string; type: string; data: unknown }>;
    };
  }

  it('show the welcome choice as buttons and the pizzas as a list', async () => {
    const { builtinNodes, createRegistry } = await import('@parley/nodes');
    const { runNodeForTest } = await import('@parley/nodes/testing');
    const registry = createRegistry(builtinNodes);
    const shown = async (name: string, nodeId: string) => {
      const node = (await flow(name)).nodes.find((candidate) => candidate.id === nodeId);
      const definition = registry.get(node?.type ?? '')?.definition;
      if (!node || !definition) throw new Error(`${name}/${nodeId} missing`);
      return (await runNodeForTest(definition, { config: node.data, vars: { pizza: { title: 'Veggie' } } }))
        .result.messages?.[0]?.type;
    };
    expect(await shown('welcome', 'greet')).toBe('buttons');
    expect(await shown('pizza-order', 'choose-pizza')).toBe('list');
    expect(await shown('pizza-order', 'confirm')).toBe('buttons');
  });

  it('point the support lookup at a declared variable a test can override', async () => {
    const support = (await flow('support')) as unknown as {
      variables: Array<{ name: string; default: string }>;
      nodes: Array<{ type: string; data: { url?: string } }>;
    };
    expect(support.variables).toContainEqual(
      expect.objectContaining({ name: 'api_base', default: 'https://api.example.com' }),
    );
    expect(support.nodes.find((node) => node.type === 'http')?.data.url).toBe(
      '{{api_base}}/orders/{{order_id}}',
    );
    expect(support.nodes.map((node) => node.type)).toEqual(
      expect.arrayContaining(['start', 'http', 'handoff']),
    );
  });
});
