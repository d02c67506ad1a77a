import type { NodeDefinition } from './types.js';

const TYPE_ID = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/;

/**
 * What keeps a value from being a usable node definition (empty when it is one). Checked
 * structurally because custom nodes come from other packages, possibly another copy of zod.
 * @example nodeDefinitionProblems({ type: 'x' }) // ['title must be a non-empty string', …]
 */
export function nodeDefinitionProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return ['it is not an object'];
  const candidate = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof candidate.type !== 'string' || !TYPE_ID.test(candidate.type)) {
    problems.push('type must be a kebab-case id, namespaced for custom nodes (like "acme/order-status")');
  }
  for (const key of ['title', 'category', 'icon', 'description'] as const) {
    if (typeof candidate[key] !== 'string' || candidate[key] === '')
      problems.push(`${key} must be a non-empty string`);
  }
  const config = candidate.config as { safeParse?: unknown; _zod?: unknown } | undefined;
  if (!config || typeof config.safeParse !== 'function' || typeof config._zod !== 'object') {
    problems.push('config must be a zod 4 schema');
  }
  if (!Array.isArray(candidate.ports)) problems.push('ports must be an array');
  else {
    candidate.ports.forEach((port: unknown, index) => {
      const entry = port as Record<string, unknown> | null;
      const ok =
        entry !== null &&
        typeof entry === 'object' &&
        typeof entry.id === 'string' &&
        typeof entry.label === 'string' &&
        (entry.each === undefined || typeof entry.each === 'string');
      if (!ok) problems.push(`ports[${index}] must have string id and label (and each, for per-item ports)`);
    });
  }
  if (typeof candidate.run !== 'function') problems.push('run must be a function');
  for (const key of [
    'onReply',
    'summary',
    'check',
    'variablesSet',
    'jumpTargets',
    'matchesTrigger',
    'waitsForTimer',
    'migrate',
  ] as const) {
    if (candidate[key] !== undefined && typeof candidate[key] !== 'function')
      problems.push(`${key} must be a function when present`);
  }
  if (
    candidate.version !== undefined &&
    (typeof candidate.version !== 'number' || !Number.isInteger(candidate.version) || candidate.version < 1)
  ) {
    problems.push('version must be a whole number from 1');
  }
  return problems;
}

/** True when a value has the shape of a node definition (see `nodeDefinitionProblems`). */
export function isNodeDefinition(value: unknown): value is NodeDefinition {
  return nodeDefinitionProblems(value).length === 0;
}
