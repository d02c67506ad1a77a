import type { ConversationLog, RecordedMessage, SimulatedStatus } from './conversationLog.js';
import { GRAPH_ERROR_TITLES } from './graphError.js';
import type { AsyncFailure } from './outboundDesk.js';
import { createStatusBatcher } from './statusBatcher.js';
import { statusEntry } from './webhookPayloads.js';

type ReportedStatus = Exclude<SimulatedStatus, 'accepted'>;

/** Plays Meta's part after an accepted send: `sent`, `delivered`, `read` (or `failed`) webhooks. */
export interface StatusReporter {
  start(record: RecordedMessage, addressedByBsuid: boolean, failure?: AsyncFailure): void;
  /** Cancels pending statuses. */
  close(): void;
}

/**
 * Reports each accepted message's statuses in order, after the configured delays, batched per
 * business number when `batching.windowMs` > 0.
 */
export function createStatusReporter(deps: {
  log: ConversationLog;
  now(): number;
  delays?: { sent?: number; delivered?: number; read?: number | false };
  batching?: { windowMs: number; maxUpdates?: number };
  post(phoneNumberId: string, entries: Record<string, unknown>[]): Promise<unknown>;
  onStatus(record: RecordedMessage, status: ReportedStatus): void;
}): StatusReporter {
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const batcher = createStatusBatcher({
    windowMs: deps.batching?.windowMs ?? 0,
    maxUpdates: Math.min(deps.batching?.maxUpdates ?? 1000, 1000),
    post: deps.post,
  });

  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (closed) return resolve(false);
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve(!closed);
      }, ms);
      timers.add(timer);
    });

  const report = async (
    record: RecordedMessage,
    status: ReportedStatus,
    addressedByBsuid: boolean,
    failure?: AsyncFailure,
  ) => {
    const user = deps.log.user(record.userId);
    if (!user || closed) return;
    record.status = status;
    record.statuses?.push({ status, at: deps.now() });
    const title = failure ? (GRAPH_ERROR_TITLES[failure.code] ?? 'Message failed') : '';
    await batcher.add(
      record.phoneNumberId,
      statusEntry({
        wamid: record.wamid,
        status,
        timestampSeconds: Math.floor(deps.now() / 1000),
        user,
        addressedByBsuid,
        callbackData: record.callbackData,
        template: record.type === 'template',
        errors: failure && [
          {
            code: failure.code,
            title,
            message: title,
            error_data: { details: failure.details ?? 'Injected asynchronous failure' },
          },
        ],
      }),
    );
    deps.onStatus(record, status);
  };

  const run = async (record: RecordedMessage, addressedByBsuid: boolean, failure?: AsyncFailure) => {
    const delays = { sent: 0, delivered: 0, read: 0 as number | false, ...deps.delays };
    if (!(await sleep(delays.sent))) return;
    if (failure) return report(record, 'failed', addressedByBsuid, failure);
    await report(record, 'sent', addressedByBsuid);
    // Reactions only ever get `sent` (PROTOCOL.md §3.3).
    if (record.type === 'reaction') return;
    if (!(await sleep(delays.delivered))) return;
    await report(record, 'delivered', addressedByBsuid);
    if (delays.read === false || !(await sleep(delays.read))) return;
    await report(record, 'read', addressedByBsuid);
  };

  return {
    start: (record, addressedByBsuid, failure) => void run(record, addressedByBsuid, failure),
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      batcher.close();
    },
  };
}
