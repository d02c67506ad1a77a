import type { ContactIdentity, ContactRecord, FlowSettings, InboundMessage } from '@parley/flow';
import { flowSettingsSchema } from '@parley/flow';
import { enterNode, replyToNode } from './advance.js';
import { pushBounded, SEEN_LIMIT } from './envelope.js';
import { attachFlow, loadBotFlow, settle, startConversation } from './lifecycle.js';
import { isOneOf, matchGlobalKeyword } from './matchWords.js';
import type { LoadedFlow } from './FlowSource.js';
import type { Session } from './Session.js';

const DEFAULT_SETTINGS: FlowSettings = flowSettingsSchema.parse({});

/** Handles a user's message: dedupe, opt-out, handoff, coalescing, then the flow. */
export async function handleUserMessage(
  session: Session,
  contact: ContactIdentity,
  message: InboundMessage,
): Promise<void> {
  const { turn } = session;
  if (turn.env.seen.includes(message.id)) {
    turn.note('input.duplicate', { nodeId: turn.conv.nodeId ?? undefined });
    return;
  }
  const updated: Record<string, unknown> = { ...turn.contact };
  for (const name of Object.keys(contact)) {
    const value = contact[name as keyof ContactIdentity];
    if (value !== undefined) updated[name] = value;
  }
  updated.lastUserMessageAt = turn.now;
  turn.contact = updated as unknown as ContactRecord;
  turn.contactChanged = true;
  turn.conv.lastUserMessageAt = turn.now;
  turn.env.seen = pushBounded(turn.env.seen, message.id, SEEN_LIMIT);
  session.exists = true;
  turn.recordInbound(message);

  const botFlow = !session.attached || session.restartReason ? await loadFlowForBot(session) : null;
  if (!session.attached && botFlow?.ok) attachFlow(turn, botFlow, session.bot?.id ?? '');
  if (!session.attached && !botFlow?.ok) {
    failWithoutFlow(session, botFlow);
    return;
  }
  session.attached = true;
  const settings = turn.compiled?.settings ?? DEFAULT_SETTINGS;

  if (settings.optOut.enabled && isOneOf(message, settings.optOut.stopWords)) {
    turn.contact.optedOut = true;
    turn.note('contact.opted_out');
    return;
  }
  if (turn.contact.optedOut) {
    if (settings.optOut.enabled && isOneOf(message, settings.optOut.startWords)) {
      turn.contact.optedOut = false;
      turn.note('contact.opted_in');
      await startFresh(session, message, botFlow, true);
      return;
    }
    turn.note('contact.opted_out_ignored');
    return;
  }
  if (turn.conv.status === 'handoff') {
    turn.note('handoff.message', { nodeId: turn.conv.nodeId ?? undefined });
    return;
  }
  if (settings.coalesceMs > 0) {
    if (message.type === 'text') {
      turn.env.pending = [...turn.env.pending, { id: message.id, text: message.text, at: turn.now }];
      turn.cancelTimer(turn.env.timers.coalesce);
      turn.env.timers.coalesce = turn.setTimer('coalesce', turn.now + settings.coalesceMs);
      return;
    }
    await flushPending(session);
  }
  await processInput(session, message, botFlow);
}

/** Joins the coalesced fragments into one text input and processes it. */
export async function flushPending(session: Session): Promise<void> {
  const { turn } = session;
  const pending = turn.env.pending;
  turn.cancelTimer(turn.env.timers.coalesce);
  delete turn.env.timers.coalesce;
  turn.env.pending = [];
  const last = pending[pending.length - 1];
  if (!last) return;
  const joined: InboundMessage = {
    type: 'text',
    id: last.id,
    timestamp: last.at,
    text: pending.map((part) => part.text).join('\n'),
  };
  await processInput(session, joined, null);
}

async function loadFlowForBot(session: Session): Promise<LoadedFlow | null> {
  return session.bot ? loadBotFlow(session.flows, session.bot) : null;
}

function failWithoutFlow(session: Session, loaded: LoadedFlow | null): void {
  const { turn } = session;
  turn.conv = {
    ...turn.conv,
    botId: session.bot?.id ?? turn.conv.botId,
    flowId: session.bot?.flowId ?? turn.conv.flowId,
    status: 'parked',
  };
  if (loaded && !loaded.ok && loaded.reason === 'invalid')
    turn.error('flow.invalid', undefined, loaded.issues.slice(0, 3).join('; '));
  else turn.error('flow.not_found', undefined);
}

async function startFresh(
  session: Session,
  input: InboundMessage,
  botFlow: LoadedFlow | null,
  force: boolean,
  startAt?: string,
): Promise<void> {
  const { turn } = session;
  const loaded = botFlow ?? (await loadFlowForBot(session));
  if (!loaded?.ok) {
    failWithoutFlow(session, loaded);
    return;
  }
  turn.input = input;
  const started = await startConversation(turn, session.flows, loaded, session.bot?.id ?? turn.conv.botId, {
    input,
    force,
    startAt,
  });
  if (!started) turn.note('flow.no_trigger');
}

/** Runs one (possibly joined) input through the flow. */
export async function processInput(
  session: Session,
  input: InboundMessage,
  botFlow: LoadedFlow | null,
): Promise<void> {
  const { turn } = session;
  turn.input = input;
  const settings = turn.compiled.settings;
  if (session.restartReason) {
    turn.note(session.restartReason);
    session.restartReason = undefined;
    turn.conv.status = 'ended';
  }
  if (
    turn.conv.status === 'waiting' &&
    turn.env.restAt !== undefined &&
    turn.now - turn.env.restAt > settings.inactivityTimeoutMinutes * 60_000
  ) {
    turn.note('conversation.expired');
    turn.conv.status = 'ended';
  }
  if (
    settings.versionPolicy === 'latest' &&
    (turn.conv.status === 'waiting' || turn.conv.status === 'sleeping')
  )
    await moveToLatest(session);

  const keyword = matchGlobalKeyword(settings.globalKeywords, input);
  if (keyword) {
    turn.note(
      'keyword.matched',
      { nodeId: turn.conv.nodeId ?? undefined },
      `The keyword "${keyword.keywords[0]}" was used.`,
    );
    const active = turn.conv.status === 'waiting' || turn.conv.status === 'sleeping';
    if (keyword.action === 'restart' || !active) {
      await startFresh(
        session,
        input,
        botFlow,
        true,
        keyword.action === 'restart' ? undefined : keyword.nodeId,
      );
      return;
    }
    turn.cancelTimer(turn.env.timers.delay?.id);
    delete turn.env.timers.delay;
    if (keyword.action === 'visit' && turn.conv.status === 'waiting' && turn.conv.nodeId) {
      turn.env.history = pushBounded(turn.env.history, turn.conv.nodeId, 10);
    } else {
      turn.env.history = [];
    }
    await settle(turn, session.flows, await enterNode(turn, keyword.nodeId), turn.conv.botId);
    return;
  }

  const nodeId = turn.conv.nodeId;
  const node = nodeId ? turn.compiled.nodes.get(nodeId) : undefined;
  if (turn.conv.status === 'waiting' && node?.waitsForInput) {
    const target = staleTarget(session, node.id, input) ?? node.id;
    if (target !== node.id) {
      turn.move({ type: 'flow.jump', nodeId: target });
      turn.env.history = [];
      turn.env.nodeState = undefined;
    }
    await settle(turn, session.flows, await replyToNode(turn, target, input), turn.conv.botId);
    return;
  }
  if (turn.conv.status === 'sleeping') {
    turn.note('input.ignored', { nodeId: nodeId ?? undefined });
    return;
  }
  const startAt =
    session.startNodeId && turn.compiled.nodes.has(session.startNodeId) ? session.startNodeId : undefined;
  await startFresh(session, input, botFlow, startAt !== undefined, startAt);
}

/** For a tap on an option the current question does not have: the older question it belongs to, when the flow jumps there. */
function staleTarget(session: Session, currentId: string, input: InboundMessage): string | null {
  if (input.type !== 'button_reply' && input.type !== 'list_reply') return null;
  const { turn } = session;
  const optionId = input.type === 'button_reply' ? input.buttonId : input.rowId;
  const current = turn.compiled.nodes.get(currentId);
  if (!current || current.ports.some((port) => port.id === optionId && port.kind === 'normal')) return null;
  const owns = (id: string) => {
    const node = turn.compiled.nodes.get(id);
    return (
      node !== undefined &&
      node.id !== currentId &&
      node.waitsForInput &&
      node.ports.some((port) => port.id === optionId && port.kind === 'normal')
    );
  };
  const owner = [...turn.env.path].reverse().find(owns) ?? [...turn.compiled.nodes.keys()].find(owns);
  if (!owner) return null;
  turn.note('input.stale_reply', { nodeId: owner });
  return turn.compiled.settings.staleReply === 'jump' ? owner : null;
}

async function moveToLatest(session: Session): Promise<void> {
  const { turn } = session;
  const latest = await session.flows.latest(turn.conv.flowId);
  const nodeId = turn.conv.nodeId;
  if (
    !latest.ok ||
    latest.record.version <= turn.conv.flowVersion ||
    !nodeId ||
    !latest.compiled.nodes.has(nodeId)
  )
    return;
  attachFlow(turn, latest, turn.conv.botId);
  turn.move({ type: 'flow.jump', nodeId });
  turn.note(
    'flow.version_moved',
    { nodeId },
    `The conversation moved to version ${latest.record.version} of the flow.`,
  );
}
