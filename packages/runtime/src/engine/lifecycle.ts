import type { InboundMessage } from '@parley/flow';
import type { CompiledFlow } from '../compile/compileFlow.js';
import { enterNode, park, type AdvanceOutcome } from './advance.js';
import { emptyEnvelope } from './envelope.js';
import type { FlowSource, LoadedFlow } from './FlowSource.js';
import type { Turn } from './Turn.js';
import type { EngineBot } from './EngineStore.js';

const MAX_FLOW_SWITCHES = 5;

/** Puts a loaded flow under the turn without moving (the machine starts idle). */
export function attachFlow(turn: Turn, loaded: Extract<LoadedFlow, { ok: true }>, botId: string): void {
  turn.compiled = loaded.compiled;
  turn.snapshot = loaded.compiled.stepper.initial;
  turn.conv = {
    ...turn.conv,
    botId,
    flowId: loaded.record.flowId,
    flowVersion: loaded.record.version,
    flowHash: loaded.record.hash,
  };
}

/** Picks the start node a message starts the flow at, or null when no trigger accepts it. */
export function findTrigger(
  compiled: CompiledFlow,
  input: InboundMessage | undefined,
  force: boolean,
): string | null {
  for (const trigger of compiled.triggers) {
    const matches = trigger.definition.matchesTrigger;
    if (!input || !matches || matches(trigger.config, input)) return trigger.id;
  }
  return force ? (compiled.triggers[0]?.id ?? null) : null;
}

/**
 * Starts the conversation afresh on a flow: variables to their declared defaults, timers
 * cancelled, then runs from the start node (or `startAt`). Returns false when no trigger accepts
 * the message (nothing was changed then).
 */
export async function startConversation(
  turn: Turn,
  flows: FlowSource,
  loaded: Extract<LoadedFlow, { ok: true }>,
  botId: string,
  options: { input?: InboundMessage; force?: boolean; startAt?: string; keepVars?: boolean },
): Promise<boolean> {
  const startAt = options.startAt ?? findTrigger(loaded.compiled, options.input, options.force ?? false);
  if (startAt === null) return false;
  turn.cancelAllTimers();
  const vars = options.keepVars
    ? { ...loaded.compiled.initialVars, ...turn.conv.vars }
    : { ...loaded.compiled.initialVars };
  turn.env = emptyEnvelope({ seen: turn.env.seen, seq: turn.env.seq });
  attachFlow(turn, loaded, botId);
  turn.conv = { ...turn.conv, status: 'active', nodeId: null, vars, startedAt: turn.now };
  turn.note('conversation.started');
  await settle(turn, flows, await enterNode(turn, startAt), botId);
  return true;
}

/** Follows "continue in another flow" requests until the conversation rests. */
export async function settle(
  turn: Turn,
  flows: FlowSource,
  outcome: AdvanceOutcome,
  botId: string,
): Promise<void> {
  let current = outcome;
  for (let switches = 0; current.kind === 'switchFlow'; switches++) {
    const from = turn.conv.nodeId ?? undefined;
    if (switches >= MAX_FLOW_SWITCHES) {
      park(turn, 'flow.step_limit', from, 'too many jumps between flows');
      return;
    }
    const loaded = await flows.latest(current.flowId);
    if (!loaded.ok) {
      park(turn, 'flow.goto_failed', from, `flow "${current.flowId}"`);
      return;
    }
    const startAt = findTrigger(loaded.compiled, undefined, true);
    if (startAt === null) {
      park(turn, 'flow.goto_failed', from, `flow "${current.flowId}" has no start node`);
      return;
    }
    turn.cancelAllTimers();
    turn.env = emptyEnvelope({ seen: turn.env.seen, seq: turn.env.seq });
    attachFlow(turn, loaded, botId);
    turn.conv = {
      ...turn.conv,
      vars: { ...loaded.compiled.initialVars, ...turn.conv.vars },
      status: 'active',
    };
    current = await enterNode(turn, startAt);
  }
}

/** Resolves the flow version a new conversation of this bot starts on. */
export function loadBotFlow(flows: FlowSource, bot: EngineBot): Promise<LoadedFlow> {
  return bot.flowVersion === 'latest' ? flows.latest(bot.flowId) : flows.version(bot.flowId, bot.flowVersion);
}
