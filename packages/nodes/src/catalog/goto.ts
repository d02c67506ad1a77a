import { z } from 'zod';
import { flowIdSchema } from '@parley/flow';
import { defineNode } from '../defineNode.js';
import { field } from '../fields.js';

const config = z.object({
  target: z
    .discriminatedUnion('kind', [
      z.object({
        kind: z.literal('node').meta({ title: 'A node in this flow' }),
        nodeId: field.node({ title: 'Node' }),
      }),
      z.object({
        kind: z.literal('flow').meta({ title: 'The start of another flow' }),
        flowId: flowIdSchema.meta({ title: 'Flow id' }),
      }),
    ])
    .default({ kind: 'node', nodeId: '' })
    .meta({ title: 'Go to' }),
});

/** Jumps to another node of this flow or to the start of another flow. */
export const goto = defineNode({
  type: 'goto',
  title: 'Go to',
  category: 'Flow',
  icon: 'corner-down-right',
  description: 'Jumps to another node, or to the start of another flow.',
  config,
  ports: [],
  summary: (settings) =>
    settings.target.kind === 'node' ? `→ ${settings.target.nodeId}` : `→ flow ${settings.target.flowId}`,
  check: (settings) =>
    settings.target.kind === 'node' && settings.target.nodeId.trim() === ''
      ? [{ path: ['target', 'nodeId'], message: 'Pick a node' }]
      : [],
  jumpTargets: (settings) =>
    settings.target.kind === 'node' && settings.target.nodeId !== '' ? [settings.target.nodeId] : [],
  run: ({ config: settings }) => ({
    next: {
      goto:
        settings.target.kind === 'node'
          ? { nodeId: settings.target.nodeId }
          : { flowId: settings.target.flowId },
    },
  }),
});
