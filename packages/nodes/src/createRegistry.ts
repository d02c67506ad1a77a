import type {
  ConfigIssue,
  ConfigParseResult,
  NodeTypeCatalog,
  NodeTypeInfo,
  PortInfo,
  TemplateField,
} from '@parley/flow';
import type { NodeDefinition } from './types.js';
import { resolvePorts } from './resolvePorts.js';
import { toConfigIssues } from './toConfigIssues.js';
import { findTemplateFields } from './templateFields.js';
import { toManifestEntry, type NodeManifestEntry } from './nodeManifest.js';

/** A node type as the registry hands it out: the definition itself plus what the linter asks. */
export type RegisteredNode = NodeDefinition & NodeTypeInfo & { definition: NodeDefinition };

/** The catalogue of node types a server runs: built-in plus custom, each type once. */
export interface NodeRegistry extends NodeTypeCatalog {
  get(type: string): RegisteredNode | undefined;
  has(type: string): boolean;
  /** Definitions in registration order. */
  list(): NodeDefinition[];
  /** JSON-serializable metadata for the builder's palette and forms (built once; do not mutate). */
  manifest(): NodeManifestEntry[];
  /** Short text for a node card, or '' when the config does not parse or the type has no summary. */
  summarize(type: string, data: unknown): string;
}

/** Thrown when two definitions claim the same type id. */
export class DuplicateNodeTypeError extends Error {
  readonly code = 'DUPLICATE_NODE_TYPE';
  constructor(readonly nodeType: string) {
    super(`Two node definitions use the type "${nodeType}"; each type id must be unique`);
    this.name = 'DuplicateNodeTypeError';
  }
}

function toRegistered(definition: NodeDefinition): RegisteredNode {
  const parseConfig = (data: unknown): ConfigParseResult => {
    const parsed = definition.config.safeParse(data ?? {});
    return parsed.success
      ? { ok: true, config: parsed.data }
      : { ok: false, issues: toConfigIssues(parsed.error) };
  };
  const portsOf = (config: unknown): PortInfo[] => resolvePorts(definition.ports, config).ports;
  const checkConfig = (config: unknown): ConfigIssue[] => {
    const issues: ConfigIssue[] = resolvePorts(definition.ports, config).duplicates.map((duplicate) => ({
      path: duplicate.path,
      message: `Two exits use the id "${duplicate.id}"; give each one its own id`,
      severity: 'error' as const,
    }));
    for (const issue of definition.check?.(config) ?? []) {
      issues.push({ path: issue.path, message: issue.message, severity: issue.severity ?? 'error' });
    }
    return issues;
  };
  return {
    ...definition,
    definition,
    parseConfig,
    portsOf,
    isTrigger: definition.trigger ?? false,
    waitsForInput: typeof definition.onReply === 'function',
    waitsForTimer: (config: unknown) => definition.waitsForTimer?.(config) ?? false,
    templateFieldsOf: (config: unknown): TemplateField[] => findTemplateFields(definition.config, config),
    variablesSetBy: (config: unknown) => definition.variablesSet?.(config) ?? [],
    checkConfig,
    jumpTargetsOf: (config: unknown) => definition.jumpTargets?.(config) ?? [],
  };
}

/**
 * Builds the node catalogue from definitions; throws `DuplicateNodeTypeError` on a repeated type.
 * @example const registry = createRegistry([...builtinNodes, orderStatus]); lintFlow(flow, registry)
 */
export function createRegistry(definitions: readonly NodeDefinition[]): NodeRegistry {
  const byType = new Map<string, RegisteredNode>();
  for (const definition of definitions) {
    if (byType.has(definition.type)) throw new DuplicateNodeTypeError(definition.type);
    byType.set(definition.type, toRegistered(definition));
  }
  let manifest: NodeManifestEntry[] | undefined;
  return {
    get: (type) => byType.get(type),
    has: (type) => byType.has(type),
    list: () => [...byType.values()].map((node) => node.definition),
    // Built once: JSON Schema generation walks every schema, and the answer never changes.
    manifest: () => (manifest ??= [...byType.values()].map((node) => toManifestEntry(node.definition))),
    summarize(type, data) {
      const node = byType.get(type);
      if (!node?.summary) return '';
      const parsed = node.config.safeParse(data ?? {});
      return parsed.success ? node.summary(parsed.data) : '';
    },
  };
}
