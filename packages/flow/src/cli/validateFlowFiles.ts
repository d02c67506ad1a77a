import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlowIssue } from '../issues/flowIssue.js';
import { formatIssue } from '../issues/flowIssue.js';
import { createIssue } from '../issues/issueCatalog.js';
import { lintFlow } from '../lint/lintFlow.js';
import { parseFlowJson } from '../load/parseFlow.js';
import type { NodeTypeCatalog } from '../nodeTypeCatalog.js';

export interface FlowFileReport {
  /** The path as given (`flows/pizza.json`). */
  file: string;
  errors: FlowIssue[];
  warnings: FlowIssue[];
  /** Set when the file is in an older format and was upgraded in memory. */
  migratedFrom?: number;
}

/**
 * Loads and lints one flow file: JSON, format, node configs, graph, and that the file is named
 * after the flow's id. Never throws for a bad file; an unreadable one is reported.
 */
export async function validateFlowFile(file: string, catalog: NodeTypeCatalog): Promise<FlowFileReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      file,
      errors: [
        createIssue('flow.field.invalid', { detail: `The file cannot be read: ${detail}` }, { path: [] }),
      ],
      warnings: [],
    };
  }
  const parsed = parseFlowJson(text);
  if (!parsed.ok) return { file, errors: parsed.issues, warnings: [] };
  const { errors, warnings } = lintFlow(parsed.flow, catalog);
  warnings.unshift(...(parsed.warnings ?? []));
  const name = file.split(/[\\/]/).at(-1) ?? file;
  if (name !== `${parsed.flow.id}.json`) {
    errors.unshift(createIssue('flow.file_name', { file: name, id: parsed.flow.id }, { path: ['id'] }));
  }
  const report: FlowFileReport = { file, errors, warnings };
  if (parsed.migratedFrom !== undefined) report.migratedFrom = parsed.migratedFrom;
  return report;
}

/** Flow files are `<id>.json`; `<id>.test.json` beside them hold transcript tests, not flows. */
export function isFlowFileName(name: string): boolean {
  return name.endsWith('.json') && !name.endsWith('.test.json');
}

/** Every flow file in a folder, in name order. */
export async function validateFlowFolder(
  folder: string,
  catalog: NodeTypeCatalog,
): Promise<FlowFileReport[]> {
  const names = (await readdir(folder)).filter(isFlowFileName).sort();
  return Promise.all(names.map((name) => validateFlowFile(join(folder, name), catalog)));
}

/**
 * The reports as lines for a terminal, and whether publishing should be refused (any error).
 * @example const { lines, ok } = formatFlowReports(await validateFlowFolder('flows', registry))
 */
export function formatFlowReports(reports: readonly FlowFileReport[]): {
  lines: string[];
  ok: boolean;
  errors: number;
  warnings: number;
} {
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  for (const report of reports) {
    errors += report.errors.length;
    warnings += report.warnings.length;
    for (const issue of [...report.errors, ...report.warnings]) lines.push(formatIssue(issue, report.file));
    if (report.migratedFrom !== undefined) {
      lines.push(
        `${report.file}: note: written in format version ${report.migratedFrom}; saving it again upgrades the file.`,
      );
    }
  }
  const files = `${reports.length} flow file${reports.length === 1 ? '' : 's'}`;
  lines.push(
    `${files} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
  );
  return { lines, ok: errors === 0, errors, warnings };
}
