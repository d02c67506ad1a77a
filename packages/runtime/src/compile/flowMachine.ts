import { setup, type AnyStateMachine } from 'xstate';

/** Events of a compiled flow machine; the engine sends them, the machine decides where they lead. */
export type FlowMachineEvent =
  | { type: 'node.exit'; port: string }
  | { type: 'flow.jump'; nodeId: string }
  | { type: 'flow.end' }
  | { type: 'flow.park' };

/** State keys the engine reserves next to the node states. */
export const IDLE_STATE = '__idle';
export const END_STATE = '__end';
export const PARKED_STATE = '__parked';

/**
 * The one shared setup every compiled flow uses. The machine config built from a flow is plain
 * data (state keys, `{ type: 'portIs', params }` guards, targets); the only code lives here.
 */
export const runtimeSetup = setup({
  types: {} as { context: Record<string, never>; events: FlowMachineEvent },
  guards: {
    portIs: ({ event }, params: { port: string }) => event.type === 'node.exit' && event.port === params.port,
    nodeIs: ({ event }, params: { nodeId: string }) =>
      event.type === 'flow.jump' && event.nodeId === params.nodeId,
  },
});

/** One node as the machine sees it. */
export interface MachineNodeSpec {
  id: string;
  key: string;
  waitsForInput: boolean;
  /** Port id → state key of the connected node; a port without an edge ends the conversation. */
  exits: Array<{ port: string; targetKey: string | null }>;
}

/**
 * Builds the xstate machine of a flow: one state per node (keyed `n0`, `n1`, … because node ids
 * may hold dots), `node.exit` transitions guarded by port, and root-level jumps to every node.
 */
export function buildFlowMachine(flowId: string, nodes: MachineNodeSpec[]): AnyStateMachine {
  const states: Record<string, object> = {
    [IDLE_STATE]: {},
    [END_STATE]: { tags: ['ended'] },
    [PARKED_STATE]: { tags: ['parked'] },
  };
  for (const node of nodes) {
    states[node.key] = {
      tags: node.waitsForInput ? ['asks'] : [],
      meta: { nodeId: node.id },
      on: {
        'node.exit': node.exits.map((exit) => ({
          guard: { type: 'portIs' as const, params: { port: exit.port } },
          target: exit.targetKey ?? END_STATE,
        })),
      },
    };
  }
  return runtimeSetup.createMachine({
    id: `flow-${flowId}`,
    initial: IDLE_STATE,
    context: {},
    on: {
      'flow.jump': nodes.map((node) => ({
        guard: { type: 'nodeIs' as const, params: { nodeId: node.id } },
        target: `.${node.key}`,
      })),
      'flow.end': `.${END_STATE}`,
      'flow.park': `.${PARKED_STATE}`,
    },
    states,
  } as never) as unknown as AnyStateMachine;
}
