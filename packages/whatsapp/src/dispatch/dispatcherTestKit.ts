// Shared pieces of the dispatcher's tests: a Graph stand-in and an in-memory outbox per test, a
// dispatcher wired to both, and builders for outbox rows and status webhooks. The fake clock stays
// in each test file (its tests move `now` forward) and reaches these through `clock`.
import type { OutboxRecord } from '@parley/flow';
import { afterEach, beforeEach } from 'vitest';
import { createGraphClient } from '../graph/createGraphClient.js';
import type { GraphError } from '../graph/GraphError.js';
import { createMemoryOutbox, outboxRow, type MemoryOutbox } from '../testing/createMemoryOutbox.js';
import { startGraphStandIn, type GraphStandIn, type RecordedRequest } from '../testing/startGraphStandIn.js';
import type { MessageStatusEvent } from '../webhook/parseWebhook.js';
import { createDispatcher, type DispatcherOptions } from './createDispatcher.js';

/** The current test's Graph stand-in (a new one for each test). */
export let graph: GraphStandIn;
/** The current test's outbox (a new one for each test). */
export let store: MemoryOutbox;
/** What `onCredentialsError` reported during the current test. */
export let credentialErrors: [string, GraphError][];

/**
 * Starts a Graph stand-in and a fresh outbox before each test of the calling file (stopped after
 * it); returns the dispatcher and builders, reading the time from `clock`.
 * @example let now = 0; const { dispatcher, row } = useDispatcherKit(() => now);
 */
export function useDispatcherKit(clock: () => number) {
  beforeEach(async () => {
    graph = await startGraphStandIn();
    store = createMemoryOutbox();
    credentialErrors = [];
  });
  afterEach(async () => {
    await graph.close();
  });

  function dispatcher(extra: Partial<DispatcherOptions> = {}, timeoutMs = 5000) {
    const client = createGraphClient({ baseUrl: graph.baseUrl, accessToken: 'token', timeoutMs });
    return createDispatcher({
      store,
      graph: () => client,
      owner: 'test',
      clock,
      random: () => 0.5,
      // Tests not about pacing send a whole window at once (the default burst is a quarter of it).
      rate: { burst: 80, pairIntervalMs: 0, pairBurst: 1000 },
      retry: { baseMs: 1000, maxMs: 60_000 },
      onCredentialsError: (id, error) => credentialErrors.push([id, error]),
      ...extra,
    });
  }

  const row = (init: Partial<OutboxRecord> = {}) => {
    const now = clock();
    const created = outboxRow({ nextAttemptAt: now, createdAt: now, deadlineAt: now + 3_600_000, ...init });
    store.add(created);
    return created;
  };
  const statusEvent = (
    wamid: string,
    status: MessageStatusEvent['status'],
    extra: Partial<MessageStatusEvent> = {},
  ) =>
    ({
      type: 'message.status',
      key: { phoneNumberId: '1055', userId: '15557654321' },
      wamid,
      status,
      timestamp: clock(),
      ...extra,
    }) satisfies MessageStatusEvent;

  return { dispatcher, row, statusEvent };
}

/** The message sends Graph received in the current test. */
export const sends = () => graph.requests.filter((r) => r.path.endsWith('/messages'));
export const textOf = (request: RecordedRequest | undefined) =>
  (request?.json?.text as { body?: string } | undefined)?.body;
