import type { InboundMessage } from '@parley/flow';
import type { NodeContext, NodeResult, ReplyContext } from '@parley/nodes';
import type { CompiledNode } from '../compile/compileFlow.js';
import { renderConfig } from '../template/renderConfig.js';
import type { Turn } from './Turn.js';

/** Where the loop goes next. */
type Step =
  | { kind: 'enter'; nodeId: string }
  | { kind: 'reply'; nodeId: string; input: InboundMessage }
  | { kind: 'exit'; nodeId: string; port: string };

/** How a run of the loop ended. `switchFlow` asks the engine to continue on another flow. */
export type AdvanceOutcome = { kind: 'rest' } | { kind: 'switchFlow'; flowId: string };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** Enters a node and runs the flow until it waits for input, for a timer, or ends. */
export function enterNode(turn: Turn, nodeId: string): Promise<AdvanceOutcome> {
  return advance(turn, { kind: 'enter', nodeId });
}

/** Hands the user's reply to the waiting node, then runs on. */
export function replyToNode(turn: Turn, nodeId: string, input: InboundMessage): Promise<AdvanceOutcome> {
  return advance(turn, { kind: 'reply', nodeId, input });
}

/** Leaves a node by a port (a timer fired, an operator released), then runs on. */
export function exitNode(turn: Turn, nodeId: string, port: string): Promise<AdvanceOutcome> {
  return advance(turn, { kind: 'exit', nodeId, port });
}

/** Stops the conversation with an error entry; the next message starts it anew. */
export function park(
  turn: Turn,
  code:
    | 'flow.step_limit'
    | 'node.failed'
    | 'node.bad_result'
    | 'flow.invalid'
    | 'engine.failed'
    | 'flow.goto_failed',
  nodeId?: string,
  detail?: string,
): void {
  turn.error(code, nodeId, detail);
  turn.cancelAllTimers();
  turn.move({ type: 'flow.park' });
  turn.conv.status = 'parked';
  turn.env.history = [];
  turn.env.nodeState = undefined;
}

/** Ends the current branch: back to the question a "visit" left, or the end of the conversation. */
function finishBranch(turn: Turn): Step | null {
  const back = turn.env.history.pop();
  if (back !== undefined && turn.compiled.nodes.has(back)) return { kind: 'enter', nodeId: back };
  turn.move({ type: 'flow.end' });
  turn.conv.status = 'ended';
  turn.env.nodeState = undefined;
  turn.cancelAllTimers();
  turn.note('conversation.ended');
  return null;
}

async function advance(turn: Turn, first: Step): Promise<AdvanceOutcome> {
  let step: Step | null = first;
  while (step) {
    if (step.kind === 'exit') {
      turn.env.nodeState = undefined;
      const position = turn.currentNodeId();
      if (position !== step.nodeId) turn.move({ type: 'flow.jump', nodeId: step.nodeId });
      const target = turn.move({ type: 'node.exit', port: step.port });
      step = target === null ? finishBranch(turn) : { kind: 'enter', nodeId: target };
      continue;
    }
    turn.steps += 1;
    if (turn.steps > turn.deps.stepLimit) {
      park(turn, 'flow.step_limit', step.nodeId, `more than ${turn.deps.stepLimit} steps`);
      return { kind: 'rest' };
    }
    const node = turn.compiled.nodes.get(step.nodeId);
    if (!node) {
      park(turn, 'node.bad_result', step.nodeId, `there is no node "${step.nodeId}"`);
      return { kind: 'rest' };
    }
    if (step.kind === 'enter') {
      turn.env.nodeState = undefined;
      if (turn.currentNodeId() !== node.id) turn.move({ type: 'flow.jump', nodeId: node.id });
    }
    turn.conv.nodeId = node.id;
    let result: NodeResult;
    try {
      const ctx = contextFor(turn, node, step.kind === 'reply' ? step.input : undefined);
      const returned =
        step.kind === 'reply' && node.definition.onReply
          ? node.definition.onReply(ctx as ReplyContext<unknown>)
          : node.definition.run(ctx);
      // Synchronous executors take the fast path; only real async work (HTTP) is awaited.
      result = (isThenable(returned) ? await returned : returned) as NodeResult;
    } catch (cause) {
      step = onNodeFailure(turn, node, cause);
      continue;
    }
    const after = applyResult(turn, node, result);
    if (after === 'rest') return { kind: 'rest' };
    if (after !== null && 'switchFlow' in after) return { kind: 'switchFlow', flowId: after.switchFlow };
    step = after;
  }
  return { kind: 'rest' };
}

function contextFor(
  turn: Turn,
  node: CompiledNode,
  input: InboundMessage | undefined,
): NodeContext<unknown> | ReplyContext<unknown> {
  const templates = turn.templates();
  const ctx: NodeContext<unknown> = {
    config:
      node.templateFields.length > 0
        ? renderConfig(node.config, node.templateFields, templates.scope)
        : node.config,
    rawConfig: node.config,
    node: { id: node.id },
    vars: turn.conv.vars,
    contact: {
      waId: turn.contact.waId,
      bsuid: turn.contact.bsuid,
      name: turn.contact.name,
      username: turn.contact.username,
      userId: turn.key.userId,
    },
    nodeState: turn.env.nodeState,
    render: templates.render,
    now: turn.clock,
    random: turn.deps.random,
    http: turn.deps.http,
    log: turn.deps.log,
  };
  // Added in place rather than spread into a second object: a step's context is made every step.
  if (input) (ctx as ReplyContext<unknown>).input = input;
  return ctx;
}

function onNodeFailure(turn: Turn, node: CompiledNode, cause: unknown): Step | null {
  const detail = cause instanceof Error ? cause.message : String(cause);
  turn.deps.log.warn('node executor failed', { nodeId: node.id, type: node.type, error: detail });
  const errorPort = node.ports.find((port) => port.kind === 'error');
  if (errorPort && node.targets.get(errorPort.id)) {
    turn.error('node.error_port', node.id, detail);
    return { kind: 'exit', nodeId: node.id, port: errorPort.id };
  }
  park(turn, 'node.failed', node.id, detail);
  return null;
}

function applyResult(
  turn: Turn,
  node: CompiledNode,
  result: NodeResult,
): Step | null | 'rest' | { switchFlow: string } {
  if (
    typeof result !== 'object' ||
    result === null ||
    typeof result.next !== 'object' ||
    result.next === null
  ) {
    park(turn, 'node.bad_result', node.id, 'the step returned no "next"');
    return null;
  }
  if (result.set) {
    const vars = { ...turn.conv.vars };
    for (const [name, value] of Object.entries(result.set)) {
      if (value === null || value === undefined) delete vars[name];
      else vars[name] = value;
    }
    turn.conv.vars = vars;
  }
  for (const message of result.messages ?? []) turn.send(message, node.id);
  const next = result.next;
  if ('port' in next && !('wait' in next) && !('handoff' in next)) {
    if (!node.ports.some((port) => port.id === next.port)) {
      park(
        turn,
        'node.bad_result',
        node.id,
        `the step chose the port "${next.port}", which the node does not have`,
      );
      return null;
    }
    return { kind: 'exit', nodeId: node.id, port: next.port };
  }
  if ('wait' in next && next.wait === 'reply') {
    if (!node.waitsForInput) {
      park(turn, 'node.bad_result', node.id, 'the step waits for a reply but cannot handle one');
      return null;
    }
    turn.env.nodeState = result.nodeState;
    turn.conv.status = 'waiting';
    return 'rest';
  }
  if ('wait' in next && next.wait === 'timer') {
    if (!node.ports.some((port) => port.id === next.port) || !Number.isFinite(next.ms) || next.ms < 0) {
      park(turn, 'node.bad_result', node.id, 'the step asked for a timer with a bad port or duration');
      return null;
    }
    turn.cancelTimer(turn.env.timers.delay?.id);
    const id = turn.setTimer('delay', turn.now + next.ms, node.id);
    turn.env.timers.delay = { id, port: next.port, due: turn.now + next.ms };
    turn.env.nodeState = result.nodeState;
    turn.conv.status = 'sleeping';
    return 'rest';
  }
  if ('end' in next) return finishBranch(turn);
  if ('handoff' in next) {
    turn.env.handoff = { port: next.port, resume: 'waiting' };
    turn.conv.status = 'handoff';
    turn.note('handoff.started', { nodeId: node.id });
    return 'rest';
  }
  if ('goto' in next) {
    if (next.goto.nodeId !== undefined) {
      if (!turn.compiled.nodes.has(next.goto.nodeId)) {
        park(
          turn,
          'node.bad_result',
          node.id,
          `the jump leads to a node that does not exist ("${next.goto.nodeId}")`,
        );
        return null;
      }
      return { kind: 'enter', nodeId: next.goto.nodeId };
    }
    if (next.goto.flowId !== undefined) return { switchFlow: next.goto.flowId };
  }
  park(turn, 'node.bad_result', node.id, 'the step returned a "next" the engine does not know');
  return null;
}
