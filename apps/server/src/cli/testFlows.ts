import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseFlowJson, type FlowDocument } from '@parley/flow';
import { formatFlowTestFailures, runFlowTest, type RuntimeRegistry } from '@parley/runtime';
import { loadNodeRegistry } from '../nodeRegistry/loadNodeRegistry.js';

export interface TestFlowsOptions {
  /** Test files, flow files or folders; `flows/` when empty. */
  args: string[];
  cwd: string;
  env?: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Use this registry instead of loading `parley.config.json`. */
  registry?: RuntimeRegistry;
}

const TEST_SUFFIX = '.test.json';

/** The test files a target names: a folder's `*.test.json`, a test file, or a flow's sibling test file. */
async function testFilesOf(target: string): Promise<string[] | null> {
  const info = await stat(target).catch(() => undefined);
  if (!info) return null;
  if (info.isDirectory()) {
    const names = (await readdir(target)).filter((name) => name.endsWith(TEST_SUFFIX)).sort();
    return names.map((name) => path.join(target, name));
  }
  if (target.endsWith(TEST_SUFFIX)) return [target];
  const sibling = target.replace(/\.json$/, TEST_SUFFIX);
  return (await stat(sibling).catch(() => undefined)) ? [sibling] : [];
}

/** Every flow in a folder, by id, for tests whose flow jumps to another flow. */
async function flowsIn(folder: string): Promise<Map<string, FlowDocument>> {
  const flows = new Map<string, FlowDocument>();
  for (const name of (await readdir(folder)).filter(
    (file) => file.endsWith('.json') && !file.endsWith(TEST_SUFFIX),
  )) {
    const parsed = parseFlowJson(await readFile(path.join(folder, name), 'utf8'));
    if (parsed.ok) flows.set(parsed.flow.id, parsed.flow);
  }
  return flows;
}

/**
 * Runs transcript tests (`flows/<id>.test.json`) through the real engine with an in-memory store
 * and a fake clock. Resolves to the exit code: 1 when any test fails or cannot run.
 * @example process.exitCode = await runTestFlows({ args: [], cwd: process.cwd(), out: console.log, err: console.error })
 */
export async function runTestFlows(options: TestFlowsOptions): Promise<number> {
  const { cwd, out, err } = options;
  let registry = options.registry;
  if (!registry) {
    try {
      registry = await loadNodeRegistry({ rootDir: cwd, ...(options.env ? { env: options.env } : {}) });
    } catch (error) {
      err(`Cannot load the node types: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
  }
  const targets = options.args.length > 0 ? options.args : ['flows'];
  const files: string[] = [];
  let failed = 0;
  for (const target of targets) {
    const found = await testFilesOf(path.resolve(cwd, target));
    if (found === null) {
      err(`${target}: no such file or folder`);
      failed += 1;
    } else files.push(...found);
  }
  if (files.length === 0) {
    err(`No flow tests (*${TEST_SUFFIX}) found in ${targets.join(', ')}`);
    return 1;
  }
  const flowCache = new Map<string, Map<string, FlowDocument>>();
  let passed = 0;
  for (const file of files) {
    const shown = path.relative(cwd, file) || file;
    let testFile: unknown;
    try {
      testFile = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      err(`✗ ${shown}: cannot read it as JSON (${(error as Error).message})`);
      failed += 1;
      continue;
    }
    const folder = path.dirname(file);
    if (!flowCache.has(folder)) flowCache.set(folder, await flowsIn(folder));
    const flows = flowCache.get(folder)!;
    const declared =
      typeof testFile === 'object' && testFile !== null ? (testFile as { flow?: unknown }).flow : undefined;
    const flowId = typeof declared === 'string' ? declared : path.basename(file, TEST_SUFFIX);
    const flow = flows.get(flowId);
    if (!flow) {
      err(
        `✗ ${shown}: there is no valid flow "${flowId}" in ${path.relative(cwd, folder) || '.'} (run npm run validate)`,
      );
      failed += 1;
      continue;
    }
    const result = await runFlowTest(flow, testFile, registry, {
      otherFlows: [...flows.values()].filter((other) => other.id !== flow.id),
    });
    if (result.ok) {
      passed += 1;
      out(`✓ ${shown} (${result.cases} case${result.cases === 1 ? '' : 's'}, ${result.turns} turns)`);
    } else {
      failed += 1;
      err(`✗ ${shown}`);
      err(formatFlowTestFailures(result.failures).replace(/^/gm, '  '));
    }
  }
  const summary = `${passed} passed, ${failed} failed`;
  if (failed > 0) {
    err(`Flow tests: ${summary}.`);
    return 1;
  }
  out(`Flow tests: ${summary}.`);
  return 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  process.exitCode = await runTestFlows({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
