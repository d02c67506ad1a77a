import type { ChannelError } from '@parley/flow';
import { classifyGraphError, GraphError } from '../graph/GraphError.js';
import type { Logger, Random } from '../ports.js';
import type { MessageStatusEvent } from '../webhook/parseWebhook.js';
import { computeBackoff, type BackoffOptions } from './computeBackoff.js';
import type { ApplyStatusResult, DispatcherStore } from './createDispatcher.js';
import type { OutboxOutcomes } from './createOutboxOutcomes.js';
import { mergeDeliveryStatus } from './mergeDeliveryStatus.js';

/**
 * Creates the dispatcher's status-webhook handler: finds the row by wamid (or, for a lost send
 * response, by our callback data), moves it forward monotonically, records the status, and turns
 * a `failed` into a retry or a final failure.
 * @example const applyStatus = createStatusApplier({ store, withRowLock, outcomes, log, backoff, random });
 */
export function createStatusApplier(deps: {
  store: Pick<DispatcherStore, 'findOutboxByWamid' | 'getOutbox' | 'updateOutbox'>;
  withRowLock: <T>(key: string, work: () => Promise<T>) => Promise<T>;
  outcomes: OutboxOutcomes;
  log: Logger;
  backoff: Required<BackoffOptions>;
  random: Random;
  onCredentialsError?: (phoneNumberId: string, error: GraphError) => void;
}): (event: MessageStatusEvent) => Promise<ApplyStatusResult> {
  const { store, withRowLock, log, backoff, random } = deps;
  const { record, fail, retryLater } = deps.outcomes;
  const options = { onCredentialsError: deps.onCredentialsError };
  return async function applyStatus(event: MessageStatusEvent): Promise<ApplyStatusResult> {
    let row = await store.findOutboxByWamid(event.wamid);
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
      if (!byCallback && event.status !== 'failed' && found.status !== 'failed') {
        // The common case needs no fresh read: statuses only move forward, so old news by the row
        // just read is old news now, and the store merges a forward move against the live row.
        const merge = mergeDeliveryStatus(found.status, event.status);
        const entry = record(found, 'outbox.status', { detail: event.status, status: event.status });
        if (merge.action !== 'advance') {
          await entry;
          return { matched: true as const, outboxId: found.id, status: found.status, changed: false };
        }
        const [updated] = await Promise.all([
          store.updateOutbox(found.id, { deliveryStatus: event.status }),
          entry,
        ]);
        const status = updated?.status ?? merge.status;
        return { matched: true as const, outboxId: found.id, status, changed: status !== found.status };
      }
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
  };
}
