import { flowDocumentSchema } from '../flowSchema.js';
import type { FlowDocument } from '../flowSchema.js';
import type { FlowIssue } from '../issues/flowIssue.js';
import { createIssue } from '../issues/issueCatalog.js';
import { parseFriendly } from '../issues/friendlyZodIssues.js';
import { locateJsonError } from './locateJsonError.js';
import { migrateFlow } from './migrateFlow.js';

/** Largest flow file we read, in characters: far above any drawn flow, well below trouble. */
export const MAX_FLOW_FILE_LENGTH = 5_000_000;

/** `warnings` on success: things that load but are probably mistakes (a misspelt field that would be dropped). */
export type ParseFlowResult =
  | { ok: true; flow: FlowDocument; migratedFrom?: number; warnings?: FlowIssue[] }
  | { ok: false; issues: FlowIssue[] };

/** The `id` at `list[index]` of the raw document, when there is one, to name a node or edge. */
function idAt(document: unknown, list: 'nodes' | 'edges', index: unknown): string | undefined {
  if (typeof document !== 'object' || document === null || typeof index !== 'number') return undefined;
  const items = (document as Record<string, unknown>)[list];
  if (!Array.isArray(items)) return undefined;
  const item: unknown = items[index];
  if (typeof item !== 'object' || item === null) return undefined;
  const id = (item as Record<string, unknown>).id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * Validates a flow document (any format version: older ones are upgraded in memory first).
 * Returns the typed flow, defaults applied, or every problem with its JSON path. Never throws.
 * @example parseFlow(JSON.parse(text)) // { ok: true, flow } | { ok: false, issues }
 */
export function parseFlow(value: unknown): ParseFlowResult {
  const migrated = migrateFlow(value);
  if (!migrated.ok) return migrated;
  const parsed = parseFriendly(flowDocumentSchema, migrated.document);
  if (!parsed.ok) {
    const issues = parsed.issues.map((issue) => {
      const [list, index] = issue.path;
      const nodeId = list === 'nodes' ? idAt(migrated.document, 'nodes', index) : undefined;
      const edgeId = list === 'edges' ? idAt(migrated.document, 'edges', index) : undefined;
      return createIssue(
        'flow.field.invalid',
        { detail: issue.message },
        { path: issue.path, nodeId, edgeId },
      );
    });
    return { ok: false, issues };
  }
  const result: ParseFlowResult = { ok: true, flow: parsed.value };
  if (migrated.fromVersion < parsed.value.schemaVersion) result.migratedFrom = migrated.fromVersion;
  const known = new Set(Object.keys(flowDocumentSchema.shape));
  const unknown = Object.keys(migrated.document as Record<string, unknown>).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    result.warnings = unknown.map((key) => createIssue('flow.field.unknown', { key }, { path: [key] }));
  }
  return result;
}

/**
 * Reads a flow file's text: malformed JSON becomes an issue with line and column.
 * @example parseFlowJson(await readFile('flows/pizza.json', 'utf8'))
 */
export function parseFlowJson(text: string): ParseFlowResult {
  // Editors on Windows may save a byte order mark, which JSON.parse rejects.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.length > MAX_FLOW_FILE_LENGTH) {
    return {
      ok: false,
      issues: [createIssue('json.too_large', { size: body.length, max: MAX_FLOW_FILE_LENGTH }, { path: [] })],
    };
  }
  if (body.trim() === '') return { ok: false, issues: [createIssue('json.empty', {}, { path: [] })] };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    const where = locateJsonError(body) ?? { line: 1, column: 1, detail: 'it cannot be read' };
    const issue = createIssue('json.syntax', where, { path: [] });
    return { ok: false, issues: [{ ...issue, line: where.line, column: where.column }] };
  }
  return parseFlow(value);
}
