import type { OutboxRecord } from '@parley/flow';
import { GraphError } from '../graph/GraphError.js';
import type { GraphClient } from '../graph/createGraphClient.js';
import type { Clock, Logger } from '../ports.js';
import type { DispatcherStore } from './DispatcherStore.js';
import type { AttemptResult, OutboxOutcomes, WriteOutcome } from './createOutboxOutcomes.js';
import { reconciledEntryId, sentEntryId } from './outboxTranscript.js';

/**
 * True when a status webhook wrote an outcome for `claimed` while its send was in flight: a new
 * wamid (found by our callback data), or a status past `sending` (sent … played, or `failed`).
 */
function reconciledSince(claimed: OutboxRecord, current: OutboxRecord): boolean {
  return current.wamid !== claimed.wamid || (current.status !== 'pending' && current.status !== 'sending');
}

/**
 * Creates the dispatcher's sender: sends one claimed row to Graph and writes what came of it, under
 * the row's lock and fenced on `owner`'s claim.
 * @example const send = createOutboxSender({ store, graph, owner, withRowLock, handleSendError, clock, log });
 */
export function createOutboxSender(deps: {
  store: Pick<DispatcherStore, 'getOutbox' | 'updateOutbox'>;
  /** The client for a phone number; null/undefined when no credentials are configured for it. */
  graph: (phoneNumberId: string) => Pick<GraphClient, 'sendMessage'> | null | undefined;
  owner: string;
  withRowLock: <T>(key: string, work: () => Promise<T>) => Promise<T>;
  handleSendError: OutboxOutcomes['handleSendError'];
  entries: OutboxOutcomes['entries'];
  clock: Clock;
  log: Logger;
  quoteReplies?: boolean;
  onAttempt?: (result: AttemptResult, row: OutboxRecord) => void;
}): (row: OutboxRecord) => Promise<'sent' | WriteOutcome> {
  const { store, owner, withRowLock, handleSendError, entries, clock, log } = deps;

  return async function send(row: OutboxRecord): Promise<'sent' | WriteOutcome> {
    const attempts = row.attempts + 1;
    const client = deps.graph(row.phoneNumberId);
    if (!client) {
      const error = new GraphError({
        message: 'No WhatsApp access token is configured for this number',
        code: 190,
      });
      return withRowLock(row.id, () => handleSendError(row, attempts, error, owner));
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
      ...(deps.quoteReplies && row.inReplyTo !== undefined && { replyTo: row.inReplyTo }),
    });
    return withRowLock(row.id, async () => {
      if (!result.ok && result.error.ambiguous) {
        // Meta may have accepted it (a reset after the request went out): its status webhook,
        // carrying our id, can beat this answer. When it did, the row is reconciled; writing the
        // retry over it would resend a message the user already has.
        const current = await store.getOutbox(row.id);
        if (current && reconciledSince(row, current)) {
          // The status came while this send was in flight, so its applier left this to say.
          const { wamid } = current;
          const said =
            wamid !== undefined && current.status !== 'failed'
              ? entries(row, 'outbox.reconciled', [{ id: reconciledEntryId(row.id, wamid) }])
              : undefined;
          await store.updateOutbox(row.id, { attempts, lastError: result.error.toChannelError() }, said);
          log.info({ outboxId: row.id }, 'ambiguous send already reconciled by its status webhook');
          if (current.status === 'failed') return 'failed' as const;
          deps.onAttempt?.('sent', row);
          return 'sent' as const;
        }
      }
      if (!result.ok) return handleSendError(row, attempts, result.error, owner);
      // `sent` as a delivery status: a status webhook that beat this response (it carries our
      // callback data) may already have moved the row further, and the store never moves it back.
      // The transcript says so in the same write; the `sent` status webhook that follows finds
      // this wamid on the row and writes nothing (one write per message fewer), and one that came
      // first wrote this entry's id already (see `sentEntryId`).
      const said = entries(row, 'outbox.sent', [{ id: sentEntryId(row.id, result.wamid), status: 'sent' }]);
      await store.updateOutbox(
        row.id,
        { deliveryStatus: 'sent', wamid: result.wamid, attempts, nextAttemptAt: clock() },
        said,
      );
      deps.onAttempt?.('sent', row);
      return 'sent' as const;
    });
  };
}
