import type { EngineEvent } from '@parley/flow';
import { exitNode } from './advance.js';
import { emptyEnvelope } from './envelope.js';
import { flushPending } from './handleUserMessage.js';
import { settle } from './lifecycle.js';
import type { Session } from './Session.js';

type TimerEvent = Extract<EngineEvent, { type: 'timer.fired' }>;

/** A durable timer came due. A timer the conversation no longer owns is stale and ignored. */
export async function handleTimer(session: Session, event: TimerEvent): Promise<void> {
  const { turn } = session;
  if (!session.exists || !session.attached) return;
  const timers = turn.env.timers;
  if (event.purpose === 'delay' && timers.delay?.id === event.timerId) {
    // During a handoff the delay stays owed; the release continues it.
    if (turn.conv.status !== 'sleeping' || !turn.conv.nodeId) return;
    const { port } = timers.delay;
    delete timers.delay;
    await settle(turn, session.flows, await exitNode(turn, turn.conv.nodeId, port), turn.conv.botId);
    return;
  }
  if (event.purpose === 'inactivity' && timers.inactivity === event.timerId) {
    delete timers.inactivity;
    if (turn.conv.status !== 'waiting') return;
    turn.note('conversation.expired', { nodeId: turn.conv.nodeId ?? undefined });
    turn.cancelAllTimers();
    turn.move({ type: 'flow.end' });
    turn.conv.status = 'ended';
    turn.env.history = [];
    turn.env.nodeState = undefined;
    return;
  }
  if (event.purpose === 'coalesce' && timers.coalesce === event.timerId) {
    delete timers.coalesce;
    await flushPending(session);
  }
}

/** Operator actions: hand off, release, reset, write. */
export async function handleOperator(
  session: Session,
  event: Extract<EngineEvent, { type: `operator.${string}` }>,
): Promise<void> {
  const { turn } = session;
  if (!session.exists) return;
  const by = event.operator ? ` (by ${event.operator})` : '';
  const at = turn.conv.nodeId ? { nodeId: turn.conv.nodeId } : {};
  switch (event.type) {
    case 'operator.handoff': {
      if (turn.conv.status === 'handoff') return;
      turn.env.handoff = { resume: turn.conv.status };
      turn.conv.status = 'handoff';
      turn.note(
        'handoff.started',
        at,
        `The conversation was handed to a person${by}; the bot stays quiet until it is released.`,
      );
      return;
    }
    case 'operator.release': {
      if (turn.conv.status !== 'handoff') return;
      const handoff = turn.env.handoff ?? { resume: 'ended' as const };
      delete turn.env.handoff;
      turn.note('handoff.released', at, `The conversation was released${by}; the bot continues.`);
      const nodeId = turn.conv.nodeId;
      if (handoff.port !== undefined && nodeId && session.attached) {
        turn.conv.status = 'active';
        await settle(turn, session.flows, await exitNode(turn, nodeId, handoff.port), turn.conv.botId);
        return;
      }
      turn.conv.status = handoff.resume;
      const delay = turn.env.timers.delay;
      if (handoff.resume === 'sleeping' && delay && delay.due <= turn.now && nodeId && session.attached) {
        delete turn.env.timers.delay;
        await settle(turn, session.flows, await exitNode(turn, nodeId, delay.port), turn.conv.botId);
      }
      return;
    }
    case 'operator.reset': {
      turn.cancelAllTimers();
      if (session.attached) turn.move({ type: 'flow.end' });
      turn.env = emptyEnvelope({ seen: turn.env.seen, seq: turn.env.seq });
      turn.conv = { ...turn.conv, status: 'ended', nodeId: null, vars: {} };
      turn.note(
        'conversation.reset',
        {},
        `The conversation was reset${by}; the next message starts it again.`,
      );
      return;
    }
    case 'operator.message': {
      if (turn.send({ type: 'text', text: event.text }))
        turn.note('operator.message', at, `An operator sent a message${by}.`);
      return;
    }
  }
}

/** A delivery status: written in the transcript, never advances the flow. */
export function handleStatus(
  session: Session,
  event: Extract<EngineEvent, { type: 'message.status' }>,
): void {
  if (!session.exists) return;
  session.turn.note(
    'message.status',
    {
      status: event.status,
      ...(event.callbackData ? { outboxId: event.callbackData } : {}),
      ...(event.errors ? { errors: event.errors } : {}),
      ...(event.status === 'failed' ? { direction: 'error' as const } : {}),
    },
    event.status === 'failed'
      ? `WhatsApp could not deliver a message${event.errors?.[0]?.title ? `: ${event.errors[0].title}` : '.'}`
      : `Message ${event.status}.`,
  );
}
