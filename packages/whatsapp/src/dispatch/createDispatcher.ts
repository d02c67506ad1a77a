import { randomUUID } from 'node:crypto';
import type { ChannelError, DeliveryStatus, OutboxRecord, TranscriptEntry } from '@parley/flow';
import { classifyGraphError, GraphError } from '../graph/GraphError.js';
import type { GraphClient } from '../graph/createGraphClient.js';
import { silentLogger, type Clock, type Logger, type Random } from '../ports.js';
import type { MessageStatusEvent } from '../webhook/parseWebhook.js';
import { computeBackoff } from './computeBackoff.js';
import { createKeyedLock } from './createKeyedLock.js';
import { createTickLoop } from './createTickLoop.js';
import { createRateLimiter, type RateLimiterOptions } from './createRateLimiter.js';
import { furthestStatus, mergeDeliveryStatus } from './mergeDeliveryStatus.js';
import { outboxEntry, type OutboxTranscriptCode } from './outboxTranscript.js';

/** The outbox change a dispatcher writes; structurally the Store's `OutboxPatch`. */
export interface DispatcherOutboxPatch {
  status?: OutboxRecord['status'];
  attempts?: number;
  nextAttemptAt?: number;
  wamid?: string;
  lastError?: ChannelError;
  deliveryStatus?: DeliveryStatus;
}

/** The Store methods the dispatcher uses (same names and shapes as `@parley/store`'s Store). */
export interface DispatcherStore {
  claimOutbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRecord[]>;
  updateOutbox(id: string, patch: DispatcherOutboxPatch): Promise<OutboxRecord | null>;
  getOutbox(id: string): Promise<OutboxRecord | null>;
  findOutboxByWamid(wamid: string): Promise<OutboxRecord | null>;
  recoverExpiredOutbox(now: number): Promise<number>;
  appendTranscript(entries: TranscriptEntry[]): Promise<void>;
}

export interface DispatcherOptions {
  store: DispatcherStore;
  /** The client for a phone number; null/undefined when no credentials are configured for it. */
  graph: (phoneNumberId: string) => Pick<GraphClient, 'sendMessage'> | null | undefined;
  /** This instance's name for leases (several servers may share a database). */
  owner: string;
  /** @default Date.now */
  clock?: Clock;
  /** @default Math.random */
  random?: Random;
  rate?: RateLimiterOptions;
  retry?: {
    /** @default 1000 */
    baseMs?: number;
    /** @default 300_000 */
    maxMs?: number;
    /** Stop retrying this long after a row was created, even if its own deadline is later. */
    deadlineMs?: number;
  };
  /** A claimed row is someone else's to recover after this. @default 30_000 */
  leaseMs?: number;
  /** Rows claimed per tick. @default 50 */
  batchSize?: number;
  /** After an ambiguous failure, wait this long for the status webhook before resending. @default 60_000 */
  ambiguousGraceMs?: number;
  /** Longest sleep of the loop when nothing is due. @default 1000 */
  idleMs?: number;
  /** Quote the inbound message (`inReplyTo`) in each reply. @default false */
  quoteReplies?: boolean;
  log?: Logger;
  /** Token expired or refused (190, permissions): surface loudly, mark the bot unhealthy. */
  onCredentialsError?: (phoneNumberId: string, error: GraphError) => void;
  /** Called after each attempt, for metrics. */
  onAttempt?: (result: 'sent' | 'retry' | 'failed' | 'deferred' | 'credentials', row: OutboxRecord) => void;
  /** Ids for transcript entries. @default crypto.randomUUID */
  ids?: () => string;
}

/** What one tick did. */
export interface TickReport {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  deferred: number;
  /** The earliest time a deferred row can go, when one was deferred. */
  nextDueAt: number | null;
}

export type ApplyStatusResult =
  { matched: false } | { matched: true; outboxId: string; status: OutboxRecord['status']; changed: boolean };

/** Sends the outbox: in order per conversation, paced, retried, reconciled by status webhooks. */
export interface Dispatcher {
  tick(): Promise<TickReport>;
  start(): void;
  stop(): Promise<void>;
  /** Ends the loop's sleep early (new outbox rows were committed). */
  wake(): void;
  applyStatus(event: MessageStatusEvent): Promise<ApplyStatusResult>;
}

/** Codes that are pacing rather than failure: back off the pair or the number, not the message. */
const PAIR_RATE_LIMIT = 131056;
const THROUGHPUT_LIMIT = 130429;

/**
 * Creates the outbox dispatcher.
 * @example
 * const dispatcher = createDispatcher({ store, graph: () => client, owner: 'server-1' });
 * dispatcher.start(); // and `dispatcher.applyStatus(event)` for each `message.status` from the inbox
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, owner } = options;
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.log ?? silentLogger;
  const ids = options.ids ?? randomUUID;
  const leaseMs = options.leaseMs ?? 30_000;
  const batchSize = options.batchSize ?? 50;
  const graceMs = options.ambiguousGraceMs ?? 60_000;
  const idleMs = options.idleMs ?? 1000;
  const backoff = { baseMs: options.retry?.baseMs ?? 1000, maxMs: options.retry?.maxMs ?? 300_000 };
  const limiter = createRateLimiter(options.rate);
  let lastRecoverAt = -Infinity;
  let lastSweepAt = -Infinity;

  /** Serialises the send result and status webhooks of one row inside this process. */
  const withRowLock = createKeyedLock();

  const deadlineOf = (row: OutboxRecord) =>
    options.retry?.deadlineMs !== undefined
      ? Math.min(row.deadlineAt, row.createdAt + options.retry.deadlineMs)
      : row.deadlineAt;

  async function record(
    row: OutboxRecord,
    code: OutboxTranscriptCode,
    init: Omit<Parameters<typeof outboxEntry>[2], 'id' | 'at'>,
  ) {
    try {
      await store.appendTranscript([outboxEntry(row, code, { id: ids(), at: clock(), ...init })]);
    } catch (error) {
      log.error({ err: error, outboxId: row.id }, 'could not write the outbox transcript entry');
    }
  }

  async function fail(row: OutboxRecord, attempts: number, error: ChannelError, code: OutboxTranscriptCode) {
    await store.updateOutbox(row.id, {
      status: 'failed',
      attempts,
      lastError: error,
      nextAttemptAt: clock(),
    });
    await record(row, code, { detail: error.message ?? String(error.code), errors: [error] });
    options.onAttempt?.('failed', row);
  }

  /** Schedules another attempt, or gives up when that would pass the row's deadline. */
  async function retryLater(row: OutboxRecord, attempts: number, error: ChannelError, delayMs: number) {
    const nextAttemptAt = clock() + delayMs;
    if (nextAttemptAt > deadlineOf(row)) {
      await fail(row, attempts, error, 'outbox.failed');
      return 'failed' as const;
    }
    await store.updateOutbox(row.id, { status: 'pending', attempts, nextAttemptAt, lastError: error });
    await record(row, 'outbox.retry', { detail: error.message ?? `code ${error.code}`, errors: [error] });
    options.onAttempt?.('retry', row);
    return 'retried' as const;
  }

  async function handleSendError(row: OutboxRecord, attempts: number, error: GraphError) {
    const channelError = error.toChannelError();
    const now = clock();
    switch (classifyGraphError(error)) {
      case 'retry': {
        let delay = computeBackoff(attempts, backoff, random);
        if (error.code === PAIR_RATE_LIMIT) {
          // Meta: retry a pair after 4^X seconds; other users are not affected.
          delay = Math.max(delay, 1000 * 4 ** Math.min(5, attempts - 1));
          limiter.pausePair(row.phoneNumberId, row.recipient, now + delay);
        } else if (error.code === THROUGHPUT_LIMIT) {
          limiter.pauseNumber(row.phoneNumberId, now + delay);
        }
        // The message may have gone out: give its status webhook time to reconcile before resending.
        if (error.ambiguous) delay = Math.max(delay, graceMs);
        return retryLater(row, attempts, channelError, delay);
      }
      case 'needs_template':
        await fail(row, attempts, channelError, 'window.closed');
        return 'failed' as const;
      case 'credentials': {
        log.error(
          { phoneNumberId: row.phoneNumberId, code: error.code, traceId: error.traceId },
          'WhatsApp refused the access token: sending is paused for this number',
        );
        const delay = backoff.maxMs;
        limiter.pauseNumber(row.phoneNumberId, now + delay);
        try {
          options.onCredentialsError?.(row.phoneNumberId, error);
        } catch (callbackError) {
          log.error({ err: callbackError }, 'onCredentialsError failed');
        }
        await record(row, 'outbox.credentials', { errors: [channelError] });
        options.onAttempt?.('credentials', row);
        return retryLater(row, attempts, channelError, delay);
      }
      case 'permanent':
        await fail(row, attempts, channelError, 'outbox.failed');
        return 'failed' as const;
    }
  }

  async function send(row: OutboxRecord): Promise<'sent' | 'retried' | 'failed'> {
    const attempts = row.attempts + 1;
    const client = options.graph(row.phoneNumberId);
    if (!client) {
      const error = new GraphError({
        message: 'No WhatsApp access token is configured for this number',
        code: 190,
      });
      return withRowLock(row.id, () => handleSendError(row, attempts, error));
    }
    const lastTitle = row.lastError?.title;
    if (
      row.wamid === undefined &&
      (lastTitle === 'timeout' || lastTitle === 'network' || lastTitle === 'invalid_response')
    ) {
      // No status webhook reconciled the earlier attempt within the grace period: resend, and say so.
      log.warn(
        { outboxId: row.id, attempt: attempts },
        'resending after an ambiguous attempt: possible duplicate',
      );
    }
    const result = await client.sendMessage(row.phoneNumberId, row.recipient, row.message, {
      callbackData: row.id,
      ...(options.quoteReplies && row.inReplyTo !== undefined && { replyTo: row.inReplyTo }),
    });
    return withRowLock(row.id, async () => {
      if (!result.ok) return handleSendError(row, attempts, result.error);
      // A status webhook may have beaten the response here (it carries our callback data).
      const current = await store.getOutbox(row.id);
      const status = furthestStatus(current?.status ?? 'sending', 'sent');
      await store.updateOutbox(row.id, { status, wamid: result.wamid, attempts, nextAttemptAt: clock() });
      await record(row, 'outbox.sent', { status: 'sent' });
      options.onAttempt?.('sent', row);
      return 'sent' as const;
    });
  }

  async function tick(): Promise<TickReport> {
    const report: TickReport = { claimed: 0, sent: 0, retried: 0, failed: 0, deferred: 0, nextDueAt: null };
    const now = clock();
    if (now - lastRecoverAt >= leaseMs / 2) {
      lastRecoverAt = now;
      const recovered = await store.recoverExpiredOutbox(now);
      if (recovered > 0) log.warn({ recovered }, 'outbox rows recovered from an expired lease');
    }
    if (now - lastSweepAt >= 60_000) {
      lastSweepAt = now;
      limiter.sweep(now);
    }
    const rows = await store.claimOutbox(owner, now, now + leaseMs, batchSize);
    report.claimed = rows.length;
    rows.sort((a, b) => (a.conversationId === b.conversationId ? a.seq - b.seq : a.createdAt - b.createdAt));
    const inFlight = new Set<string>();
    const sends: Promise<void>[] = [];
    for (const row of rows) {
      if (inFlight.has(row.conversationId)) {
        // Never two messages of one conversation at once, whatever the store handed out.
        await store.updateOutbox(row.id, { status: 'pending', nextAttemptAt: row.nextAttemptAt });
        report.deferred += 1;
        continue;
      }
      if (now >= deadlineOf(row)) {
        await fail(
          row,
          row.attempts,
          { code: -1, title: 'deadline', message: 'deadline passed before sending' },
          'outbox.expired',
        );
        report.failed += 1;
        continue;
      }
      const slot = limiter.tryAcquire(row.phoneNumberId, row.recipient, now);
      if (!slot.ok) {
        await store.updateOutbox(row.id, { status: 'pending', nextAttemptAt: slot.retryAt });
        report.deferred += 1;
        report.nextDueAt = Math.min(report.nextDueAt ?? Infinity, slot.retryAt);
        options.onAttempt?.('deferred', row);
        continue;
      }
      inFlight.add(row.conversationId);
      sends.push(
        send(row).then(
          (outcome) => {
            report[outcome === 'retried' ? 'retried' : outcome] += 1;
          },
          async (error: unknown) => {
            log.error({ err: error, outboxId: row.id }, 'outbox send crashed; the row will be retried');
            report.retried += 1;
            await store
              .updateOutbox(row.id, {
                status: 'pending',
                nextAttemptAt: clock() + computeBackoff(row.attempts + 1, backoff, random),
              })
              .catch(() => undefined);
          },
        ),
      );
    }
    await Promise.all(sends);
    return report;
  }

  async function applyStatus(event: MessageStatusEvent): Promise<ApplyStatusResult> {
    let row = await store.findOutboxByWamid(event.wamid);
    let byCallback = false;
    if (!row && event.callbackData !== undefined) {
      const candidate = await store.getOutbox(event.callbackData);
      // Our callback data is the row id; another app's data (or a resent row's old wamid) is not ours.
      if (candidate && candidate.phoneNumberId === event.key.phoneNumberId) {
        if (candidate.wamid === undefined) {
          row = candidate;
          byCallback = true;
        } else if (event.status !== 'failed') {
          // An earlier attempt whose answer was lost did reach the user after all.
          log.warn(
            { outboxId: candidate.id, status: event.status },
            'an earlier attempt was delivered too: possible duplicate',
          );
        }
      }
    }
    if (!row) return { matched: false };
    const found = row;
    return withRowLock(found.id, async () => {
      const current = (await store.getOutbox(found.id)) ?? found;
      const merge = mergeDeliveryStatus(current.status, event.status);
      const wamidPatch = current.wamid === undefined ? { wamid: event.wamid } : {};
      const errors = event.errors ?? [];
      if (merge.action === 'keep') {
        await record(current, 'outbox.status', { detail: event.status, status: event.status, errors });
        return { matched: true as const, outboxId: current.id, status: current.status, changed: false };
      }
      if (merge.action === 'advance') {
        await store.updateOutbox(current.id, {
          status: merge.status,
          deliveryStatus: event.status,
          ...wamidPatch,
        });
        if (byCallback) {
          log.info({ outboxId: current.id }, 'lost send response reconciled by a status webhook');
          await record(current, 'outbox.reconciled', { status: event.status });
        }
        await record(current, 'outbox.status', { detail: event.status, status: event.status });
        return { matched: true as const, outboxId: current.id, status: merge.status, changed: true };
      }
      const error: ChannelError = errors[0] ?? { code: -1, message: 'failed without an error code' };
      const cls = classifyGraphError(error);
      await record(current, 'outbox.status', { detail: event.status, status: event.status, errors });
      if (cls === 'retry') {
        const outcome = await retryLater(
          current,
          current.attempts,
          error,
          computeBackoff(current.attempts, backoff, random),
        );
        return {
          matched: true as const,
          outboxId: current.id,
          status: outcome === 'failed' ? 'failed' : 'pending',
          changed: true,
        };
      }
      if (cls === 'credentials') {
        options.onCredentialsError?.(
          current.phoneNumberId,
          new GraphError({ message: error.message ?? 'credentials refused', code: error.code }),
        );
      }
      await fail(
        current,
        current.attempts,
        error,
        cls === 'needs_template' ? 'window.closed' : 'outbox.failed',
      );
      return { matched: true as const, outboxId: current.id, status: 'failed' as const, changed: true };
    });
  }

  const loop = createTickLoop({
    tick: async () => {
      const report = await tick();
      return {
        busy: report.claimed >= batchSize && report.deferred < report.claimed,
        nextDueAt: report.nextDueAt,
      };
    },
    idleMs,
    clock,
    log,
  });

  return { tick, applyStatus, start: loop.start, stop: loop.stop, wake: loop.wake };
}
