import { z } from 'zod';
import { conversationStatusSchema } from '@parley/flow';

/** How many recent inbound ids are kept for deduplication. */
export const SEEN_LIMIT = 50;
/** How many recent node ids are kept for the builder's path highlight. */
export const PATH_LIMIT = 20;
/** Deepest stack of "visit" keyword returns. */
export const HISTORY_LIMIT = 10;

/**
 * The persisted state of a conversation (`ConversationRecord.snapshot`): the xstate snapshot plus
 * the engine's bookkeeping. Taken only at rest, so no invoked work is ever in it.
 */
export const snapshotEnvelopeSchema = z.object({
  v: z.literal(1),
  /** `machine.getPersistedSnapshot()` of the flow machine. */
  machine: z.unknown(),
  /** Recent inbound message ids (idempotency). */
  seen: z.array(z.string()).default([]),
  /** Recent node ids, oldest first. */
  path: z.array(z.string()).default([]),
  /** Text fragments waiting for the coalescing window to close. */
  pending: z.array(z.object({ id: z.string(), text: z.string(), at: z.number() })).default([]),
  /** Questions to return to after a "visit" keyword's branch ends (a stack). */
  history: z.array(z.string()).default([]),
  /** Next outbox `seq` of this conversation. */
  seq: z.number().int().nonnegative().default(0),
  /** When the conversation came to rest (inactivity is measured from here). */
  restAt: z.number().optional(),
  /** What the current node kept between its calls (retry counts and such). */
  nodeState: z.unknown().optional(),
  /** Durable timers this conversation owns: a fired timer that is not listed here is stale. */
  timers: z
    .object({
      delay: z.object({ id: z.string(), port: z.string(), due: z.number() }).optional(),
      inactivity: z.string().optional(),
      coalesce: z.string().optional(),
    })
    .default({}),
  /** Set while a human has the conversation: the port to resume by, or the status to go back to. */
  handoff: z.object({ port: z.string().optional(), resume: conversationStatusSchema }).optional(),
});

export type SnapshotEnvelope = z.infer<typeof snapshotEnvelopeSchema>;

/** A fresh envelope, carrying over what must survive a restart (dedupe ids, seq). */
export function emptyEnvelope(carry?: Pick<SnapshotEnvelope, 'seen' | 'seq'>): SnapshotEnvelope {
  return {
    v: 1,
    machine: null,
    seen: carry?.seen ?? [],
    path: [],
    pending: [],
    history: [],
    seq: carry?.seq ?? 0,
    timers: {},
  };
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
const isOptional = (value: unknown, check: (value: unknown) => boolean) =>
  value === undefined || check(value);
const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

/**
 * The shape check of `snapshotEnvelopeSchema` written out by hand: this runs on every event, and
 * zod costs several times more. Anything it does not accept goes through the schema.
 */
function isCompleteEnvelope(value: unknown): value is SnapshotEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const env = value as Record<string, unknown>;
  const timers = env.timers as Record<string, unknown> | undefined;
  const delay = timers?.delay as Record<string, unknown> | undefined;
  return (
    env.v === 1 &&
    isStringArray(env.seen) &&
    isStringArray(env.path) &&
    isStringArray(env.history) &&
    Array.isArray(env.pending) &&
    env.pending.every(
      (part: unknown) =>
        typeof part === 'object' &&
        part !== null &&
        typeof (part as { id?: unknown }).id === 'string' &&
        typeof (part as { text?: unknown }).text === 'string' &&
        isNumber((part as { at?: unknown }).at),
    ) &&
    Number.isInteger(env.seq) &&
    (env.seq as number) >= 0 &&
    isOptional(env.restAt, isNumber) &&
    typeof timers === 'object' &&
    timers !== null &&
    isOptional(timers.inactivity, (id) => typeof id === 'string') &&
    isOptional(timers.coalesce, (id) => typeof id === 'string') &&
    isOptional(
      delay,
      () => typeof delay?.id === 'string' && typeof delay.port === 'string' && isNumber(delay.due),
    ) &&
    (env.handoff === undefined || snapshotEnvelopeSchema.shape.handoff.safeParse(env.handoff).success)
  );
}

/** Reads a stored snapshot; anything unreadable starts over (and the caller says so). */
export function readEnvelope(value: unknown): SnapshotEnvelope | null {
  if (isCompleteEnvelope(value)) {
    const env = value as SnapshotEnvelope;
    // A copy the turn may change freely (the stored record stays as it was).
    return { ...env, history: [...env.history], timers: { ...env.timers } };
  }
  const parsed = snapshotEnvelopeSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/**
 * The envelope as it is stored: a fresh object with its keys always in the same order, without
 * the optional keys that are unset. (Deleting them from the working copy instead would turn it,
 * and the record the next turn reads, into a slow dictionary-mode object.)
 */
export function packEnvelope(env: SnapshotEnvelope): SnapshotEnvelope {
  const { delay, inactivity, coalesce } = env.timers;
  const timers: SnapshotEnvelope['timers'] = {};
  if (delay !== undefined) timers.delay = delay;
  if (inactivity !== undefined) timers.inactivity = inactivity;
  if (coalesce !== undefined) timers.coalesce = coalesce;
  const packed: SnapshotEnvelope = {
    v: 1,
    machine: env.machine,
    seen: env.seen,
    path: env.path,
    pending: env.pending,
    history: env.history,
    seq: env.seq,
    timers,
  };
  if (env.restAt !== undefined) packed.restAt = env.restAt;
  if (env.nodeState !== undefined) packed.nodeState = env.nodeState;
  if (env.handoff !== undefined) packed.handoff = env.handoff;
  return packed;
}

/** Appends to a bounded list, dropping the oldest. */
export function pushBounded<T>(list: T[], item: T, limit: number): T[] {
  const next = list.length >= limit ? list.slice(list.length - limit + 1) : list.slice();
  next.push(item);
  return next;
}
