import { mkdtemp, readdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFlowJson } from '@parley/flow';
import { runFlowTest } from '@parley/runtime';
import { loadNodeRegistry } from '../nodeRegistry/loadNodeRegistry.js';
import { runTestFlows } from './testFlows.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const flowsDir = path.join(root, 'flows');
const testFiles = (await readdir(flowsDir)).filter((name) => name.endsWith('.test.json')).sort();
const registry = await loadNodeRegistry({ rootDir: root, env: {} });

describe('flow transcript tests (flows/*.test.json)', () => {
  it('has a test file for every example flow', async () => {
    const flows = (await readdir(flowsDir)).filter(
      (name) => name.endsWith('.json') && !name.endsWith('.test.json'),
    );
    expect(flows.length).toBeGreaterThan(0);
    for (const flow of flows) expect(testFiles).toContain(flow.replace(/\.json$/, '.test.json'));
  });

  it.each(testFiles)('%s passes', async (name) => {
    const flowFile = path.join(flowsDir, name.replace(/\.test\.json$/, '.json'));
    const parsed = parseFlowJson(await readFile(flowFile, 'utf8'));
    if (!parsed.ok)
      throw new Error(`${flowFile} does not load: ${parsed.issues.map((issue) => issue.message).join('; ')}`);
    const testFile: unknown = JSON.parse(await readFile(path.join(flowsDir, name), 'utf8'));
    const result = await runFlowTest(parsed.flow, testFile, registry);
    expect(result.failures).toEqual([]);
    expect(result.turns).toBeGreaterThan(0);
  });
});

describe('npm run test:flows (runTestFlows)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function workspace(tests: Record<string, unknown>): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'parley-flow-tests-'));
    dirs.push(dir);
    await copyFile(path.join(flowsDir, 'welcome.json'), path.join(dir, 'welcome.json'));
    for (const [name, content] of Object.entries(tests))
      await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return dir;
  }

  async function run(dir: string, args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runTestFlows({
      args,
      cwd: dir,
      registry,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('passes a good test file and exits 0', async () => {
    const dir = await workspace({
      'welcome.test.json': {
        turns: [{ user: 'hi', bot: [{ buttons: ['See the menu', 'Opening hours', 'Talk to a person'] }] }],
      },
    });
    const result = await run(dir, ['.']);
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toContain('✓ welcome.test.json (1 case, 1 turns)');
  });

  it('prints a readable diff and exits 1 on a mismatch', async () => {
    const dir = await workspace({
      'welcome.test.json': { turns: [{ user: 'hi', bot: [{ text: 'Good evening' }], ended: true }] },
    });
    const result = await run(dir, ['welcome.json']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('turn 1');
    expect(result.err).toContain('- {"text":"Good evening"}');
    expect(result.err).toContain('+ {"buttons":["See the menu","Opening hours","Talk to a person"]');
    expect(result.err).toContain('the conversation should have ended (status: waiting)');
  });

  it('fails on a broken test file, a missing flow, or nothing to run', async () => {
    const dir = await workspace({
      'welcome.test.json': '{ not json',
      'ghost.test.json': { turns: [{ user: 'hi' }] },
      'bad-shape.test.json': { flow: 'welcome', turns: [{ user: { swipe: 'left' } }] },
    });
    const result = await run(dir, ['.']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('cannot read it as JSON');
    expect(result.err).toContain('there is no valid flow "ghost"');
    expect(result.err).toMatch(/bad-shape\.test\.json[\s\S]*turn 0/);
    expect((await run(dir, ['nowhere'])).code).toBe(1);
  });
});
