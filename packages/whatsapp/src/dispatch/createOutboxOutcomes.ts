import type { ChannelError, OutboxRecord, TranscriptEntry } from '@parley/flow';
import { classifyGraphError, type GraphError } from '../graph/GraphError.js';
import type { Clock, Logger, Random } from '../ports.js';
import { createBatchWriter } from './createBatchWriter.js';
import { computeBackoff, type BackoffOptions } from './computeBackoff.js';
import type { RateLimiter } from './createRateLimiter.js';
import type { DispatcherOutboxPatch } from './createDispatcher.js';
import { outboxEntry, type OutboxTranscriptCode } from './outboxTranscript.js';

/** What an attempt came to, for metrics. */
export type AttemptResult = 'sent' | 'retry' | 'failed' | 'deferred' | 'credentials';

/**
 * What a sender's outcome write came to. `superseded`: the row was no longer its claim (a status
 * webhook settled it meanwhile, or the lease expired and another sender took it), so nothing was
 * written over it.
 */
export type WriteOutcome = 'retried' | 'failed' | 'superseded';

/** Codes that are pacing rather than failure: back off the pair or the number, not the message. */
const PAIR_RATE_LIMIT = 131056;
const THROUGHPUT_LIMIT = 130429;

/** What a transcript entry about an outbox row says besides its code. */
export interface EntryInit {
  /** A fixed id (see `sentEntryId`); a fresh one when absent. */
  id?: string;
  detail?: string;
  status?: TranscriptEntry['status'];
  errors?: ChannelError[];
}

/** Writes what became of a send attempt: the outbox row, the transcript, the limiter. */
export interface OutboxOutcomes {
  /** Adds a transcript entry about a row (batched with concurrent ones); never throws. */
  record(row: OutboxRecord, code: OutboxTranscriptCode, init?: EntryInit): Promise<void>;
  /** Adds one transcript entry about a row per `init`, in order, in one write; never throws. */
  recordEach(row: OutboxRecord, code: OutboxTranscriptCode, inits: EntryInit[]): Promise<void>;
  /** The entries `recordEach` would write, for a caller that writes them with the row's update. */
  entries(row: OutboxRecord, code: OutboxTranscriptCode, inits: EntryInit[]): TranscriptEntry[];
  /** `claimedBy`: a sender's write, fenced on its claim (see {@link WriteOutcome}). */
  fail(
    row: OutboxRecord,
    attempts: number,
    error: ChannelError,
    code: OutboxTranscriptCode,
    claimedBy?: string,
  ): Promise<'failed' | 'superseded'>;
  /** Schedules another attempt, or gives up when that would pass the row's deadline. */
  retryLater(
    row: OutboxRecord,
    attempts: number,
    error: ChannelError,
    delayMs: number,
    claimedBy?: string,
  ): Promise<WriteOutcome>;
  handleSendError(
    row: OutboxRecord,
    attempts: number,
    error: GraphError,
    claimedBy?: string,
  ): Promise<WriteOutcome>;
  /** Waits for queued transcript writes. */
  flush(): Promise<void>;
}

/**
 * Creates the dispatcher's outcome writer. Transcript entries of concurrent attempts and status
 * webhooks go to the store as one `appendTranscript` call per round trip.
 * @example const outcomes = createOutboxOutcomes({ store, limiter, clock, random, ids, log, ... });
 */
export function createOutboxOutcomes(deps: {
  store: {
    updateOutbox(id: string, patch: DispatcherOutboxPatch): Promise<boolean>;
    appendTranscript(entries: TranscriptEntry[]): Promise<void>;
  };
  limiter: RateLimiter;
  clock: Clock;
  random: Random;
  ids: () => string;
  log: Logger;
  backoff: Required<BackoffOptions>;
  graceMs: number;
  deadlineOf(row: OutboxRecord): number;
  onCredentialsError?: (phoneNumberId: string, error: GraphError) => void;
  onAttempt?: (result: AttemptResult, row: OutboxRecord) => void;
}): OutboxOutcomes {
  const { store, limiter, clock, log, backoff } = deps;
  const transcript = createBatchWriter<TranscriptEntry>((entries) => store.appendTranscript(entries));

  const entries: OutboxOutcomes['entries'] = (row, code, inits) =>
    inits.map((init) => outboxEntry(row, code, { at: clock(), ...init, id: init.id ?? deps.ids() }));

  async function recordEach(row: OutboxRecord, code: OutboxTranscriptCode, inits: EntryInit[]) {
    try {
      await transcript.write(entries(row, code, inits));
    } catch (error) {
      log.error({ err: error, outboxId: row.id }, 'could not write the outbox transcript entry');
    }
  }

  const record: OutboxOutcomes['record'] = (row, code, init = {}) => recordEach(row, code, [init]);

  const superseded = (row: OutboxRecord) => {
    log.info({ outboxId: row.id }, 'outcome not written: the row was settled or claimed meanwhile');
    return 'superseded' as const;
  };

  async function fail(
    row: OutboxRecord,
    attempts: number,
    error: ChannelError,
    code: OutboxTranscriptCode,
    claimedBy?: string,
  ) {
    const written = await store.updateOutbox(row.id, {
      status: 'failed',
      attempts,
      lastError: error,
      nextAttemptAt: clock(),
      ...(claimedBy !== undefined && { claimedBy }),
    });
    if (!written && claimedBy !== undefined) return superseded(row);
    await record(row, code, { detail: error.message ?? String(error.code), errors: [error] });
    deps.onAttempt?.('failed', row);
    return 'failed' as const;
  }

  async function retryLater(
    row: OutboxRecord,
    attempts: number,
    error: ChannelError,
    delayMs: number,
    claimedBy?: string,
  ) {
    const nextAttemptAt = clock() + delayMs;
    if (nextAttemptAt > deps.deadlineOf(row)) return fail(row, attempts, error, 'outbox.failed', claimedBy);
    const written = await store.updateOutbox(row.id, {
      status: 'pending',
      attempts,
      nextAttemptAt,
      lastError: error,
      ...(claimedBy !== undefined && { claimedBy }),
    });
    if (!written && claimedBy !== undefined) return superseded(row);
    await record(row, 'outbox.retry', { detail: error.message ?? `code ${error.code}`, errors: [error] });
    deps.onAttempt?.('retry', row);
    return 'retried' as const;
  }

  async function handleSendError(
    row: OutboxRecord,
    attempts: number,
    error: GraphError,
    claimedBy?: string,
  ): Promise<WriteOutcome> {
    const channelError = error.toChannelError();
    const now = clock();
    switch (classifyGraphError(error)) {
      case 'retry': {
        let delay = computeBackoff(attempts, backoff, deps.random);
        if (error.code === PAIR_RATE_LIMIT) {
          // Meta: retry a pair after 4^X seconds; other users are not affected.
          delay = Math.max(delay, 1000 * 4 ** Math.min(5, attempts - 1));
          limiter.pausePair(row.phoneNumberId, row.recipient, now + delay);
        } else if (error.code === THROUGHPUT_LIMIT) {
          limiter.pauseNumber(row.phoneNumberId, now + delay);
        }
        // The message may have gone out: give its status webhook time to reconcile before resending.
        if (error.ambiguous) delay = Math.max(delay, deps.graceMs);
        return retryLater(row, attempts, channelError, delay, claimedBy);
      }
      case 'needs_template':
        return fail(row, attempts, channelError, 'window.closed', claimedBy);
      case 'credentials': {
        log.error(
          { phoneNumberId: row.phoneNumberId, code: error.code, traceId: error.traceId },
          'WhatsApp refused the access token: sending is paused for this number',
        );
        const delay = backoff.maxMs;
        limiter.pauseNumber(row.phoneNumberId, now + delay);
        try {
          deps.onCredentialsError?.(row.phoneNumberId, error);
        } catch (callbackError) {
          log.error({ err: callbackError }, 'onCredentialsError failed');
        }
        await record(row, 'outbox.credentials', { errors: [channelError] });
        deps.onAttempt?.('credentials', row);
        return retryLater(row, attempts, channelError, delay, claimedBy);
      }
      case 'permanent':
        return fail(row, attempts, channelError, 'outbox.failed', claimedBy);
    }
  }

  return { record, recordEach, entries, fail, retryLater, handleSendError, flush: () => transcript.flush() };
}
