import { z } from 'zod';
import type { NodeDefinition, PortsDeclaration } from './types.js';

/** What the builder needs to know about a node type, as plain JSON (no code crosses the wire). */
export interface NodeManifestEntry {
  type: string;
  version: number;
  title: string;
  category: string;
  icon: string;
  description: string;
  trigger: boolean;
  waitsForInput: boolean;
  /** Fixed ports and `each` expansions, resolved by the builder with `resolvePorts`. */
  ports: PortsDeclaration;
  /** The config's JSON Schema (input side: defaulted fields are optional), `ui` hints included. */
  configSchema: Record<string, unknown>;
  /** What a freshly dropped node starts with; absent when the schema has required fields. */
  defaults?: Record<string, unknown>;
}

/** Thrown when a node's config schema uses something JSON Schema cannot say (the form could not show it). */
export class NodeManifestError extends Error {
  readonly code = 'NODE_SCHEMA_UNREPRESENTABLE';
  constructor(
    readonly nodeType: string,
    options: { cause: unknown },
  ) {
    super(
      `Node type "${nodeType}" has a config schema that cannot be turned into JSON Schema: ${
        options.cause instanceof Error ? options.cause.message : String(options.cause)
      }`,
      options,
    );
    this.name = 'NodeManifestError';
  }
}

/**
 * Builds one node type's manifest entry; throws `NodeManifestError` when the schema is unrepresentable.
 * @example toManifestEntry(message).configSchema.properties
 */
export function toManifestEntry(definition: NodeDefinition): NodeManifestEntry {
  let configSchema: Record<string, unknown>;
  try {
    configSchema = z.toJSONSchema(definition.config, { io: 'input' }) as Record<string, unknown>;
  } catch (cause) {
    throw new NodeManifestError(definition.type, { cause });
  }
  const entry: NodeManifestEntry = {
    type: definition.type,
    version: definition.version ?? 1,
    title: definition.title,
    category: definition.category,
    icon: definition.icon,
    description: definition.description,
    trigger: definition.trigger ?? false,
    waitsForInput: typeof definition.onReply === 'function',
    ports: definition.ports,
    configSchema,
  };
  const defaults = definition.config.safeParse({});
  if (defaults.success && defaults.data !== null && typeof defaults.data === 'object') {
    entry.defaults = defaults.data as Record<string, unknown>;
  }
  return entry;
}
