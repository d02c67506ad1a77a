import { randomUUID } from 'node:crypto';
import {
  conversationKeyId,
  type CommitUnit,
  type ContactRecord,
  type ConversationRecord,
  type EngineEvent,
} from '@parley/flow';
import { persistMachineSnapshot, restoreMachineSnapshot } from '../compile/restoreMachineSnapshot.js';
import { emptyEnvelope, packEnvelope, readEnvelope } from './envelope.js';
import type { EngineDeps, EngineOptions } from './EngineDeps.js';
import { FlowSource } from './FlowSource.js';
import { handleOperator, handleStatus, handleTimer } from './handleOtherEvents.js';
import { handleUserMessage } from './handleUserMessage.js';
import type { Session } from './Session.js';
import { Turn } from './Turn.js';
import { TRANSCRIPT_TEXTS } from './transcriptTexts.js';

/** Options of one `handle` call. */
export interface HandleOptions {
  /** The inbox row this event came from; marked done in the same commit. */
  inboxId?: string;
  /** When the event starts a new conversation, start at this node instead of the start node (preview "start from here"). */
  startNodeId?: string;
}

/** The conversation engine: one event in, one commit unit out. */
export interface Engine {
  /**
   * Handles one event of one conversation and returns everything it changes as one commit unit,
   * which the caller writes with `store.commit` (and retries `handle` on a conflict). Never throws.
   */
  handle(event: EngineEvent, options?: HandleOptions): Promise<{ commit: CommitUnit }>;
}

/**
 * Creates the conversation engine over a read-only store view.
 * @example
 * const engine = createEngine({ store, registry, clock: { now: Date.now }, http, log });
 * const { commit } = await engine.handle(event, { inboxId: event.message.id });
 * await store.commit(commit);
 */
export function createEngine(options: EngineOptions): Engine {
  const deps: EngineDeps = {
    store: options.store,
    registry: options.registry,
    clock: options.clock,
    http: options.http,
    log: options.log,
    ids: options.ids ?? randomUUID,
    random: options.random ?? Math.random,
    stepLimit: options.stepLimit ?? 200,
    outboxDeadlineMs: options.outboxDeadlineMs ?? 24 * 60 * 60 * 1000,
  };
  const flows = new FlowSource(deps);
  return {
    async handle(event, handleOptions = {}) {
      const conversationId = conversationKeyId(event.key);
      const now = deps.clock.now();
      let read: ConversationRecord | null = null;
      try {
        // Asked together, so a store that groups reads serves both in one round trip.
        const contactRead = deps.store.getContact(conversationId);
        // Awaited in openSession; if the conversation read fails first, handled by the catch below.
        contactRead.catch(() => undefined);
        read = await deps.store.getConversation(conversationId);
        const session = await openSession(deps, flows, event, conversationId, now, read, contactRead);
        if (handleOptions.startNodeId) session.startNodeId = handleOptions.startNodeId;
        await dispatch(session, event);
        return { commit: buildCommit(session, read, handleOptions.inboxId) };
      } catch (cause) {
        deps.log.error('engine failed to handle an event', {
          conversationId,
          type: event.type,
          error: cause instanceof Error ? cause.message : String(cause),
        });
        return { commit: failureCommit(deps, conversationId, now, read, handleOptions.inboxId) };
      }
    },
  };
}

async function openSession(
  deps: EngineDeps,
  flows: FlowSource,
  event: EngineEvent,
  conversationId: string,
  now: number,
  read: ConversationRecord | null,
  contactAsked: Promise<ContactRecord | null>,
): Promise<Session> {
  const [contactRead, bot] = await Promise.all([
    contactAsked,
    deps.store.getBotByPhoneNumberId(event.key.phoneNumberId),
  ]);
  const contact: ContactRecord = contactRead ?? {
    id: conversationId,
    phoneNumberId: event.key.phoneNumberId,
    userId: event.key.userId,
    optedOut: false,
    firstSeenAt: now,
    lastUserMessageAt: null,
  };
  const conv: ConversationRecord = read
    ? { ...read, vars: { ...read.vars } }
    : {
        id: conversationId,
        phoneNumberId: event.key.phoneNumberId,
        userId: event.key.userId,
        botId: bot?.id ?? event.botId ?? '',
        flowId: bot?.flowId ?? '',
        flowVersion: 0,
        flowHash: '',
        status: 'ended',
        nodeId: null,
        snapshot: null,
        vars: {},
        startedAt: now,
        updatedAt: now,
        lastUserMessageAt: contact.lastUserMessageAt,
        revision: 0,
      };
  const stored = read ? readEnvelope(read.snapshot) : null;
  const env = stored ?? emptyEnvelope();
  const turn = new Turn(deps, now, event.key, conversationId, conv, env, contact);
  const session: Session = { turn, flows, bot, exists: read !== null, attached: false };
  if (!read || read.flowId === '') return session;
  const loaded = await flows.version(read.flowId, read.flowVersion);
  if (!loaded.ok) {
    session.restartReason = loaded.reason === 'missing' ? 'flow.version_missing' : 'flow.invalid';
    return session;
  }
  turn.compiled = loaded.compiled;
  const snapshot = stored ? restoreMachineSnapshot(loaded.compiled.stepper, stored.machine) : null;
  if (!snapshot) {
    if (read.status !== 'ended' && read.status !== 'parked') session.restartReason = 'flow.version_missing';
    return session;
  }
  turn.snapshot = snapshot;
  session.attached = true;
  return session;
}

async function dispatch(session: Session, event: EngineEvent): Promise<void> {
  switch (event.type) {
    case 'user.message':
      return handleUserMessage(session, event.contact, event.message);
    case 'timer.fired':
      return handleTimer(session, event);
    case 'message.status':
      return handleStatus(session, event);
    default:
      return handleOperator(session, event);
  }
}

function buildCommit(
  session: Session,
  read: ConversationRecord | null,
  inboxId: string | undefined,
): CommitUnit {
  const { turn } = session;
  const conversation = session.exists ? finalize(session, read) : null;
  return {
    conversationId: turn.conversationId,
    conversation: conversation ?? read,
    expectedRevision: read ? read.revision : null,
    ...(turn.contactChanged ? { contact: turn.contact } : {}),
    outbox: turn.outbox,
    transcript: conversation || read ? turn.transcript : [],
    timersSet: turn.timersSet,
    timersCancelled: turn.timersCancelled,
    inboxDone: inboxId ? [inboxId] : [],
  };
}

/** Closes the turn: inactivity timer, rest time, the persisted envelope, a new revision. */
function finalize(session: Session, read: ConversationRecord | null): ConversationRecord {
  const { turn } = session;
  const { env, conv } = turn;
  const settled = turn.steps > 0 || conv.status !== read?.status || conv.nodeId !== read?.nodeId;
  if (conv.status === 'waiting' && session.attached) {
    if (settled || env.timers.inactivity === undefined) {
      turn.cancelTimer(env.timers.inactivity);
      const minutes = turn.compiled.settings.inactivityTimeoutMinutes;
      env.timers.inactivity = turn.setTimer(
        'inactivity',
        turn.now + minutes * 60_000,
        conv.nodeId ?? undefined,
      );
      env.restAt = turn.now;
    }
  } else if (conv.status !== 'handoff' && env.timers.inactivity !== undefined) {
    turn.cancelTimer(env.timers.inactivity);
    env.timers.inactivity = undefined;
  }
  if (conv.status === 'sleeping' && settled) env.restAt = turn.now;
  if (conv.status === 'active') conv.status = 'ended';
  if (session.attached) env.machine = persistMachineSnapshot(turn.compiled.stepper, turn.snapshot);
  return {
    ...conv,
    snapshot: packEnvelope(env),
    updatedAt: turn.now,
    revision: read ? read.revision + 1 : 1,
  };
}

function failureCommit(
  deps: EngineDeps,
  conversationId: string,
  now: number,
  read: ConversationRecord | null,
  inboxId: string | undefined,
): CommitUnit {
  const transcript = read
    ? [
        {
          id: deps.ids(),
          conversationId,
          at: now,
          direction: 'error' as const,
          code: 'engine.failed',
          text: TRANSCRIPT_TEXTS['engine.failed'],
        },
      ]
    : [];
  return {
    conversationId,
    conversation: read ? { ...read, status: 'parked', updatedAt: now, revision: read.revision + 1 } : null,
    expectedRevision: read ? read.revision : null,
    outbox: [],
    transcript,
    timersSet: [],
    timersCancelled: [],
    inboxDone: inboxId ? [inboxId] : [],
  };
}
