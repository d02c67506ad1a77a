import type { AnyConfigSchema, NodeDefinition, PortsDeclaration } from './types.js';

/**
 * The port ids a declaration allows: the literal ids of a static `as const` list, or any string
 * as soon as ports come from config (one per option).
 */
export type PortIdsOf<Ports extends PortsDeclaration> = [Extract<Ports[number], { each: string }>] extends [
  never,
]
  ? Ports[number] extends { id: infer Id extends string }
    ? Id
    : string
  : string;

/**
 * Declares a node type in one file; returns it unchanged, with the config type inferred from the
 * zod schema and `next.port` narrowed to the declared port ids.
 * @example
 * export const hello = defineNode({
 *   type: 'acme/hello', title: 'Hello', category: 'Messages', icon: '👋', description: 'Says hello',
 *   config: z.object({ name: template().default('world') }),
 *   ports: [{ id: 'next', label: 'Next' }],
 *   run: ({ config }) => ({ messages: [{ type: 'text', text: `Hello ${config.name}` }], next: { port: 'next' } }),
 * });
 */
export function defineNode<Schema extends AnyConfigSchema, const Ports extends PortsDeclaration>(
  definition: NodeDefinition<Schema, PortIdsOf<Ports>> & { config: Schema; ports: Ports },
): NodeDefinition<Schema, PortIdsOf<Ports>> & { config: Schema; ports: Ports } {
  return definition;
}
