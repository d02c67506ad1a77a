import type { NodeTypeCatalog, NodeTypeInfo } from '@parley/flow';
import type { NodeDefinition } from '@parley/nodes';

/**
 * What the runtime needs from a node registry: the linter's catalogue view (`get(type)` gives
 * `parseConfig`, `portsOf`, `templateFieldsOf`, …) and the executable definition of each type.
 * `@parley/nodes`' `createRegistry` satisfies it; `resolveNodeType` accepts the shapes it may take.
 */
export interface RuntimeRegistry {
  get(type: string): unknown;
}

/** One node type as the engine uses it. */
export interface ResolvedNodeType {
  info: NodeTypeInfo;
  definition: NodeDefinition;
}

function isInfo(value: unknown): value is NodeTypeInfo {
  return (
    typeof value === 'object' && value !== null && typeof (value as NodeTypeInfo).parseConfig === 'function'
  );
}

function isDefinition(value: unknown): value is NodeDefinition {
  return typeof value === 'object' && value !== null && typeof (value as NodeDefinition).run === 'function';
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Finds a type's catalogue view and executable definition, whether the registry entry is one
 * object carrying both, or `{ definition, info }`, or the registry offers `definition(type)`.
 */
export function resolveNodeType(registry: RuntimeRegistry, type: string): ResolvedNodeType | undefined {
  const entry = registry.get(type);
  if (entry === undefined || entry === null) return undefined;
  const info = isInfo(entry) ? entry : [field(entry, 'info'), field(entry, 'typeInfo')].find(isInfo);
  const definitionOf = field(registry, 'definition');
  const candidates = [entry, field(entry, 'definition'), field(entry, 'def')];
  if (typeof definitionOf === 'function')
    candidates.push((definitionOf as (t: string) => unknown).call(registry, type));
  const definition = candidates.find(isDefinition);
  if (!info || !definition) return undefined;
  return { info, definition };
}

/** The registry seen as the linter's catalogue. */
export function catalogOf(registry: RuntimeRegistry): NodeTypeCatalog {
  return { get: (type) => resolveNodeType(registry, type)?.info };
}
