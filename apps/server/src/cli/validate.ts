import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatIssue, lintFlow, parseFlowJson, type FlowIssue } from '@parley/flow';
import { loadNodeRegistry } from '../nodeRegistry/loadNodeRegistry.js';

export interface ValidateOptions {
  /** Files and folders to check; `flows/` when empty. */
  args: string[];
  cwd: string;
  env?: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Every flow file (`.json`, not `.test.json`) under a folder, sorted, skipping hidden folders and node_modules. */
async function jsonFilesIn(folder: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await jsonFilesIn(full)));
    // `<flow>.test.json` files beside the flows are transcript tests, not flows.
    else if (entry.isFile() && entry.name.endsWith('.json') && !entry.name.endsWith('.test.json'))
      files.push(full);
  }
  return files.sort();
}

/** Parses and lints one flow file; the flow id should match the file name the server loads it by. */
async function checkFile(
  file: string,
  registry: Awaited<ReturnType<typeof loadNodeRegistry>>,
): Promise<FlowIssue[]> {
  const parsed = parseFlowJson(await readFile(file, 'utf8'));
  if (!parsed.ok) return parsed.issues;
  const { errors, warnings } = lintFlow(parsed.flow, registry);
  const issues = [...errors, ...warnings];
  const expectedId = path.basename(file, '.json');
  if (parsed.flow.id !== expectedId) {
    issues.push({
      code: 'flow.id.file_name',
      severity: 'warning',
      message: `The flow id "${parsed.flow.id}" differs from its file name; the server knows it as "${parsed.flow.id}", so name the file ${parsed.flow.id}.json`,
      path: ['id'],
    });
  }
  return issues;
}

/**
 * Lints flow files the way the server would, printing one line per problem and a summary.
 * Resolves to the exit code: 1 when any file has an error (warnings do not fail).
 * @example process.exitCode = await runValidate({ args: ['flows/welcome.json'], cwd: process.cwd(), out: console.log, err: console.error })
 */
export async function runValidate(options: ValidateOptions): Promise<number> {
  const { cwd, out, err } = options;
  let registry;
  try {
    registry = await loadNodeRegistry({ rootDir: cwd, ...(options.env ? { env: options.env } : {}) });
  } catch (error) {
    err(`Cannot load the node types: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const targets = options.args.length > 0 ? options.args : ['flows'];
  const files: string[] = [];
  let failed = false;
  for (const target of targets) {
    const full = path.resolve(cwd, target);
    const info = await stat(full).catch(() => undefined);
    if (!info) {
      err(`${target}: no such file or folder`);
      failed = true;
    } else if (info.isDirectory()) files.push(...(await jsonFilesIn(full)));
    else files.push(full);
  }
  if (files.length === 0) {
    err(`No flow files (*.json) found in ${targets.join(', ')}`);
    return 1;
  }
  let errorCount = 0;
  let warningCount = 0;
  let badFiles = 0;
  for (const file of files) {
    const relative = path.relative(cwd, file);
    const shown = relative === '' || relative.startsWith('..') ? file : relative;
    let issues: FlowIssue[];
    try {
      issues = await checkFile(file, registry);
    } catch (error) {
      issues = [
        {
          code: 'file.unreadable',
          severity: 'error',
          message: `Cannot read this file: ${(error as Error).message}`,
          path: [],
        },
      ];
    }
    const errors = issues.filter((issue) => issue.severity === 'error');
    errorCount += errors.length;
    warningCount += issues.length - errors.length;
    if (errors.length > 0) badFiles += 1;
    // Errors first, so the lines that block publishing are never lost among warnings.
    for (const issue of [...errors, ...issues.filter((candidate) => candidate.severity !== 'error')]) {
      (issue.severity === 'error' ? err : out)(formatIssue(issue, shown));
    }
  }
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const summary = `Checked ${plural(files.length, 'flow')}: ${plural(errorCount, 'error')}, ${plural(warningCount, 'warning')}`;
  if (errorCount > 0 || failed) {
    err(`${summary} (${plural(badFiles, 'flow')} with errors).`);
    return 1;
  }
  out(`${summary}. All good.`);
  return 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  process.exitCode = await runValidate({
    args,
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
