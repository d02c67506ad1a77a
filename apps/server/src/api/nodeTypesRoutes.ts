import { z } from 'zod';
import { defineRoute, type ApiRoute } from './defineRoute.js';

/** Node types: the catalogue's metadata and config JSON Schemas, custom nodes included, for the builder. */
export const nodeTypesRoutes: ApiRoute[] = [
  defineRoute({
    method: 'get',
    path: '/node-types',
    tag: 'Node types',
    summary: 'The node type catalogue',
    access: 'viewer',
    responses: {
      200: {
        description:
          'Every node type: title, category, icon, ports (declarative), config JSON Schema, defaults',
        schema: z.object({ nodeTypes: z.array(z.record(z.string(), z.unknown())) }),
      },
    },
    handler: async ({ deps }) => ({ status: 200, body: { nodeTypes: deps.registry.manifest() } }),
  }),
];
