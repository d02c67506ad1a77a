import type { ChannelError, DeliveryStatus, OutboxRecord } from '@parley/flow';
import { classifyGraphError, GraphError } from '../graph/GraphError.js';
import type { Logger, Random } from '../ports.js';
import type { MessageStatusEvent } from '../webhook/parseWebhook.js';
import { computeBackoff, type BackoffOptions } from './computeBackoff.js';
import type { ApplyStatusResult, DispatcherStore } from './createDispatcher.js';
import type { EntryInit, OutboxOutcomes } from './createOutboxOutcomes.js';
import { mergeDeliveryStatus } from './mergeDeliveryStatus.js';
import { reconciledEntryId, statusEntryId } from './outboxTranscript.js';

/** The dispatcher's status-webhook handlers. */
export interface StatusApplier {
  /**
   * Finds the row by wamid (or, for a lost send response, by our callback data), moves it forward
   * monotonically, records the status, and turns a `failed` into a retry or a final failure.
   */
  applyStatus(event: MessageStatusEvent): Promise<ApplyStatusResult>;
  /**
   * Applies statuses in order per message, one result each (in the order given). Meta sends the
   * statuses of one message that come close together (sent, delivered, read) in one webhook: the
   * ones of the same message are one row update and one transcript write instead of one each,
   * with the same outcome, because a status only moves a row forward. A message with a `failed`
   * among them, or a row found only by callback data, goes one status at a time.
   */
  applyStatuses(events: readonly MessageStatusEvent[]): Promise<ApplyStatusResult[]>;
}

/**
 * A status the transcript already tells, received again: Meta redelivers a webhook it got no 200
 * for, and statuses are applied without the inbox's deduplication (see createWebhookHandler), so
 * this keeps a redelivery from writing its transcript entry twice. `sent`: the send's answer, which
 * wrote the row's wamid, said it already (see createOutboxSender).
 */
const isRepeat = (row: OutboxRecord, event: MessageStatusEvent) =>
  event.status === 'sent'
    ? row.wamid === event.wamid
    : event.status !== 'failed' && row.status === event.status;

/**
 * What a status's transcript entry says, under its fixed id (a `sent` one under the id the send's
 * answer uses): `isRepeat` saves the write of a status the row already shows, the id keeps a
 * concurrent copy from being told twice.
 */
const statusInit = (row: OutboxRecord, event: MessageStatusEvent): EntryInit => ({
  ...(event.status !== 'failed' && { id: statusEntryId(row.id, event.status, event.wamid) }),
  detail: event.status,
  status: event.status,
});

/**
 * Creates the dispatcher's status-webhook handlers (see {@link StatusApplier}).
 * @example const { applyStatus } = createStatusApplier({ store, withRowLock, sendInFlight, outcomes, log, ... });
 */
export function createStatusApplier(deps: {
  store: Pick<DispatcherStore, 'findOutboxByWamid' | 'getOutbox' | 'updateOutbox'>;
  withRowLock: <T>(key: string, work: () => Promise<T>) => Promise<T>;
  /** True while this process is sending the row: its answer is still to come, not lost. */
  sendInFlight: (outboxId: string) => boolean;
  outcomes: OutboxOutcomes;
  log: Logger;
  backoff: Required<BackoffOptions>;
  random: Random;
  onCredentialsError?: (phoneNumberId: string, error: GraphError) => void;
}): StatusApplier {
  const { store, withRowLock, log, backoff, random } = deps;
  const { record, recordEach, entries, fail, retryLater } = deps.outcomes;
  const options = { onCredentialsError: deps.onCredentialsError };
  async function applyStatus(event: MessageStatusEvent): Promise<ApplyStatusResult> {
    let row = await store.findOutboxByWamid(event.wamid);
    if (row && event.status !== 'failed' && row.status !== 'failed')
      return (await applyToFound(row, [event]))[0]!;
    let byCallback = false;
    if (!row && event.callbackData !== undefined) {
      const candidate = await store.getOutbox(event.callbackData);
      // Our callback data is the row id; another app's data (or a resent row's old wamid) is not ours.
      if (candidate && candidate.phoneNumberId === event.key.phoneNumberId) {
        if (candidate.wamid === undefined) {
          row = candidate;
          byCallback = true;
        } else if (candidate.wamid === event.wamid) {
          // The same message: its wamid was written between the two reads (lowdb's wamid index
          // follows the write). Not a second attempt.
          row = candidate;
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
        if (!isRepeat(current, event))
          await record(current, 'outbox.status', { ...statusInit(current, event), errors });
        return { matched: true as const, outboxId: current.id, status: current.status, changed: false };
      }
      if (merge.action === 'advance') {
        await store.updateOutbox(current.id, {
          status: merge.status,
          deliveryStatus: event.status,
          ...wamidPatch,
        });
        // Under the row lock the send's own answer may have recorded the wamid after all. A send
        // still in flight here will get its answer: this status only came first, nothing was lost
        // (when that answer turns out lost after all, the sender says so).
        if (byCallback && current.wamid === undefined && !deps.sendInFlight(current.id)) {
          log.info({ outboxId: current.id }, 'lost send response reconciled by a status webhook');
          await record(current, 'outbox.reconciled', {
            id: reconciledEntryId(current.id, event.wamid),
            status: event.status,
          });
        }
        await record(current, 'outbox.status', statusInit(current, event));
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

  async function oneByOne(events: readonly MessageStatusEvent[]): Promise<ApplyStatusResult[]> {
    const results: ApplyStatusResult[] = [];
    for (const event of events) results.push(await applyStatus(event));
    return results;
  }

  /**
   * The common case: statuses of one message found by its wamid, none `failed`, the row not
   * failed. No fresh read under the lock: statuses only move forward, so old news by the row just
   * read is old news now, and the store merges the furthest status against the live row. One
   * update carries every status's transcript entry.
   */
  async function applyToFound(
    found: OutboxRecord,
    run: readonly MessageStatusEvent[],
  ): Promise<ApplyStatusResult[]> {
    return withRowLock(found.id, async () => {
      let status = found.status;
      let furthest: DeliveryStatus | undefined;
      const results: ApplyStatusResult[] = run.map((event) => {
        const merge = mergeDeliveryStatus(status, event.status);
        if (merge.action === 'advance') {
          status = merge.status;
          furthest = event.status;
        }
        return { matched: true as const, outboxId: found.id, status, changed: merge.action === 'advance' };
      });
      const inits = run.filter((event) => !isRepeat(found, event)).map((event) => statusInit(found, event));
      if (furthest === undefined) {
        if (inits.length > 0) await recordEach(found, 'outbox.status', inits);
      } else {
        const written = entries(found, 'outbox.status', inits);
        await store.updateOutbox(found.id, { deliveryStatus: furthest }, written);
      }
      return results;
    });
  }

  /** Statuses of one message, none `failed` (see `applyStatuses`). */
  async function applyRun(run: readonly MessageStatusEvent[]): Promise<ApplyStatusResult[]> {
    const found = await store.findOutboxByWamid(run[0]!.wamid);
    return found && found.status !== 'failed' ? applyToFound(found, run) : oneByOne(run);
  }

  async function applyStatuses(events: readonly MessageStatusEvent[]): Promise<ApplyStatusResult[]> {
    // Each message's statuses in their order. Meta interleaves messages (the sent of two
    // bubbles, then their delivered…); different rows are independent, so they run side by side
    // and their transcript entries share a write.
    const byMessage = new Map<string, number[]>();
    events.forEach((event, index) => {
      const indexes = byMessage.get(event.wamid);
      if (indexes) indexes.push(index);
      else byMessage.set(event.wamid, [index]);
    });
    const results: ApplyStatusResult[] = new Array(events.length);
    await Promise.all(
      [...byMessage.values()].map(async (indexes) => {
        const run = indexes.map((index) => events[index]!);
        const foldable = run.every((event) => event.status !== 'failed');
        const applied = foldable ? await applyRun(run) : await oneByOne(run);
        indexes.forEach((index, position) => (results[index] = applied[position]!));
      }),
    );
    return results;
  }

  return { applyStatus, applyStatuses };
}
