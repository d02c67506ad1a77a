import { CURRENT_SCHEMA_VERSION } from '../flowSchema.js';
import type { FlowIssue } from '../issues/flowIssue.js';
import { createIssue } from '../issues/issueCatalog.js';

type RawDocument = Record<string, unknown>;

/** One upgrade of the file format, from `from` to `from + 1`. Pure: it gets a copy to change. */
export interface FlowMigration {
  from: number;
  to: number;
  description: string;
  migrate(document: RawDocument): RawDocument;
}

export type MigrationResult =
  { ok: true; document: unknown; fromVersion: number } | { ok: false; issues: FlowIssue[] };

function isRecord(value: unknown): value is RawDocument {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Version 0 is the format before `schemaVersion` existed (hand-written files and early exports):
 * - no `schemaVersion` field;
 * - flow variables under `vars`, each a name (`"size"`) or an object (`{ "name": "size" }`);
 * - edges name the port `sourcePort` (and `targetPort`) instead of React Flow's
 *   `sourceHandle` / `targetHandle`, and may lack an `id`;
 * - nodes may lack a `position` (they were not drawn).
 */
const v0ToV1: FlowMigration = {
  from: 0,
  to: 1,
  description: 'vars → variables, sourcePort → sourceHandle, edge ids and node positions filled in',
  migrate(document) {
    const { vars, ...rest } = document;
    const next: RawDocument = { ...rest, schemaVersion: 1 };
    if (vars !== undefined && next.variables === undefined) {
      next.variables = Array.isArray(vars)
        ? vars.map((entry: unknown) => (typeof entry === 'string' ? { name: entry } : entry))
        : vars;
    }
    if (Array.isArray(next.nodes)) {
      next.nodes = next.nodes.map((node: unknown) =>
        isRecord(node) && node.position === undefined ? { ...node, position: { x: 0, y: 0 } } : node,
      );
    }
    if (Array.isArray(next.edges)) {
      const usedIds = new Set(
        next.edges.flatMap((e: unknown) => (isRecord(e) && typeof e.id === 'string' ? [e.id] : [])),
      );
      next.edges = next.edges.map((edge: unknown) => {
        if (!isRecord(edge)) return edge;
        const { sourcePort, targetPort, ...kept } = edge;
        const upgraded: RawDocument = { ...kept };
        if (upgraded.sourceHandle === undefined && sourcePort !== undefined)
          upgraded.sourceHandle = sourcePort;
        if (upgraded.targetHandle === undefined && targetPort !== undefined)
          upgraded.targetHandle = targetPort;
        if (upgraded.id === undefined) {
          const base = `${String(upgraded.source)}:${String(upgraded.sourceHandle)}->${String(upgraded.target)}`;
          let id = base;
          for (let n = 2; usedIds.has(id); n++) id = `${base}#${n}`;
          usedIds.add(id);
          upgraded.id = id;
        }
        return upgraded;
      });
    }
    return next;
  },
};

/** The upgrade steps, in order. Format version 2 is one more entry `{ from: 1, to: 2, … }`. */
export const FLOW_MIGRATIONS: readonly FlowMigration[] = [v0ToV1];

function copy(value: RawDocument): RawDocument {
  try {
    return structuredClone(value);
  } catch {
    // Not plain data (only possible from code, not from a file): a shallow copy keeps the caller's object intact.
    return { ...value };
  }
}

/**
 * Upgrades a flow document of any older `schemaVersion` to the current one, in memory. The input
 * is not changed; the result is still unvalidated (parseFlow validates it).
 * @example migrateFlow({ id: 'x', name: 'X', nodes: [], vars: ['size'] }) // { ok: true, fromVersion: 0, document: { schemaVersion: 1, variables: [{ name: 'size' }], … } }
 */
export function migrateFlow(
  raw: unknown,
  migrations: readonly FlowMigration[] = FLOW_MIGRATIONS,
  targetVersion: number = CURRENT_SCHEMA_VERSION,
): MigrationResult {
  if (!isRecord(raw)) return { ok: false, issues: [createIssue('flow.not_object', {}, { path: [] })] };
  const declared = raw.schemaVersion;
  const fromVersion = declared === undefined ? 0 : declared;
  if (typeof fromVersion !== 'number' || !Number.isInteger(fromVersion) || fromVersion < 0) {
    return {
      ok: false,
      issues: [createIssue('flow.version.invalid', { value: declared }, { path: ['schemaVersion'] })],
    };
  }
  if (fromVersion > targetVersion) {
    return {
      ok: false,
      issues: [
        createIssue(
          'flow.version.newer',
          { version: fromVersion, supported: targetVersion },
          { path: ['schemaVersion'] },
        ),
      ],
    };
  }
  if (fromVersion === targetVersion) return { ok: true, document: raw, fromVersion };
  let document = copy(raw);
  for (let version = fromVersion; version < targetVersion; version++) {
    const step = migrations.find((m) => m.from === version);
    if (step === undefined) {
      const detail = `no upgrade step is known from version ${version}.`;
      return {
        ok: false,
        issues: [
          createIssue(
            'flow.migration.failed',
            { from: version, to: targetVersion, detail },
            { path: ['schemaVersion'] },
          ),
        ],
      };
    }
    try {
      document = step.migrate(document);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        issues: [
          createIssue('flow.migration.failed', { from: step.from, to: step.to, detail }, { path: [] }),
        ],
      };
    }
    document.schemaVersion = step.to;
  }
  return { ok: true, document, fromVersion };
}
