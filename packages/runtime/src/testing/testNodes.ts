import { z } from 'zod';
import type { NodeDefinition } from '@parley/nodes';
import { builtinNodes, createRegistry } from '@parley/nodes';

/** A node that throws, to test failure handling; an `error` port when asked for. */
export const boomNode: NodeDefinition = {
  type: 'test/boom',
  title: 'Boom',
  category: 'Logic',
  icon: '💥',
  description: 'Throws',
  config: z.object({ message: z.string().default('kaboom') }),
  ports: [
    { id: 'next', label: 'Next' },
    { id: 'error', label: 'Error', kind: 'error' },
  ],
  run: ({ config }) => {
    throw new Error((config as { message: string }).message);
  },
};

/** A node that returns whatever its config says (bad ports, bad messages). */
export const rawNode: NodeDefinition = {
  type: 'test/raw',
  title: 'Raw',
  category: 'Logic',
  icon: '⚙',
  description: 'Returns a fixed result',
  config: z.object({ result: z.record(z.string(), z.unknown()).default({ next: { port: 'next' } }) }),
  ports: [{ id: 'next', label: 'Next' }],
  run: ({ config }) => (config as { result: never }).result,
};

/** An async node using the http capability: `ok` or `error` port. */
export const fetchNode: NodeDefinition = {
  type: 'test/fetch',
  title: 'Fetch',
  category: 'Integrations',
  icon: '🌐',
  description: 'GETs a URL',
  config: z.object({ url: z.string().default('https://api.example.com') }),
  ports: [
    { id: 'ok', label: 'OK' },
    { id: 'error', label: 'Error', kind: 'error' },
  ],
  run: async ({ config, http, render }) => {
    const response = await http.request({ method: 'GET', url: render((config as { url: string }).url) });
    return response.ok
      ? { set: { body: response.body }, next: { port: 'ok' } }
      : { set: { failure: response.error.code }, next: { port: 'error' } };
  },
};

/** The built-in catalogue plus the test nodes. */
export function createTestRegistry() {
  return createRegistry([...builtinNodes, boomNode, rawNode, fetchNode]);
}
