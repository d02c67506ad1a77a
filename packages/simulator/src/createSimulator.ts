import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConversationLog, type RecordedMessage, type SimulatedStatus } from './conversationLog.js';
import { createFaultInjector, type FaultInjector } from './faultInjector.js';
import { createGraphHandler } from './graphHandler.js';
import { MediaStore } from './mediaStore.js';
import { SimulatorError } from './simulatorError.js';
import { createOutboundDesk } from './outboundDesk.js';
import { createRandomPool } from './randomPool.js';
import { createRateLimiter, type RateLimits } from './rateLimiter.js';
import { buildUserMessage, type SimulatedUserMessage } from './userMessage.js';
import { createStatusReporter } from './statusReporter.js';
import { inboundMessagesPayload, statusesPayload, type BusinessNumber } from './webhookPayloads.js';
import {
  createWebhookSender,
  type RedeliveryOptions,
  type SimulatorLogger,
  type WebhookSender,
  type WebhookSenderStats,
} from './webhookSender.js';

/** Options of {@link createSimulator}. */
export interface SimulatorOptions {
  /** The app secret webhooks are signed with (the server's `WHATSAPP_APP_SECRET`). */
  appSecret: string;
  /** The server's webhook URL; can also be set later with `setWebhookUrl`. */
  webhookUrl?: string;
  /** The business number(s) this simulator hosts. @default ['112233445566778'] */
  phoneNumberId?: string;
  phoneNumberIds?: string[];
  /** Display number in webhook metadata (and `context.from`). @default '15550001234' */
  displayPhoneNumber?: string;
  /** @default '210987654321098' */
  wabaId?: string;
  /** When set, Graph requests must carry `Authorization: Bearer <token>` (else 401, code 190). */
  accessToken?: string;
  clock?: { now(): number };
  /** Randomness for probabilistic faults. @default Math.random */
  random?: () => number;
  /** Delays (ms) before each status, each after the previous; `read: false` leaves messages unread. @default { sent: 0, delivered: 0, read: 0 } */
  statusDelays?: { sent?: number; delivered?: number; read?: number | false };
  /** Enforce Meta's throughput (130429) and pair (131056) limits. Off by default. */
  enforceRates?: RateLimits;
  /** Refuse free-form messages outside the 24 h customer-service window (131047). @default true */
  enforceWindow?: boolean;
  /** Phone numbers that are not on WhatsApp (sends to them fail with 131026). */
  unreachable?: string[];
  /** Retry webhooks the server did not acknowledge with 200, like Meta. @default { enabled: false } */
  redeliver?: RedeliveryOptions;
  /** Messages kept per user (oldest dropped first) so long soaks stay bounded. @default 10_000 */
  maxMessagesPerUser?: number;
  /** Coalesce status webhooks gathered within `windowMs` into one POST (Meta batches too). @default { windowMs: 0 } (one status a POST) */
  statusBatching?: { windowMs: number; maxUpdates?: number };
  /** Base URL used in media download links when mounted in-process (else derived from the request). */
  publicUrl?: string;
  log?: SimulatorLogger;
}

/** Who sends a simulated message. */
export interface SimulatedUserRef {
  waId?: string;
  bsuid?: string;
  name?: string;
}

/** One thing that happened on the phone side, for `onActivity`. */
export type SimulatorActivity =
  | { kind: 'bot'; message: RecordedMessage }
  | { kind: 'status'; wamid: string; userId: string; status: Exclude<SimulatedStatus, 'accepted'> }
  | { kind: 'read' | 'typing'; wamid: string; userId: string };

/** Counters for benchmarks and soak tests. */
export interface SimulatorStats {
  users: number;
  userMessages: number;
  botMessages: number;
  markedRead: number;
  typing: number;
  statusesPosted: number;
  /** Message sends refused, by Graph error code. */
  rejected: Record<string, number>;
  /** Read receipts (`mark_read`) refused, by Graph error code. */
  rejectedReadReceipts: Record<string, number>;
  faults: Record<string, number>;
  webhooks: WebhookSenderStats;
}

/** A running simulator (see README). */
export interface Simulator {
  listen(port?: number, host?: string): Promise<{ url: string }>;
  close(): Promise<void>;
  /** Base URL for a Graph client (`http://127.0.0.1:PORT`; the client appends `/v25.0/...`). Undefined until `listen`. */
  readonly graphBaseUrl: string | undefined;
  /** A node:http request listener serving the Graph endpoints, mountable under a path. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  setWebhookUrl(url: string): void;
  /** Turns Meta's throughput and pair limits on (fresh buckets) or off while running. */
  setRateLimits(limits: RateLimits | undefined): void;
  /** The user sends a message: a signed webhook is posted; `status` is the server's HTTP answer (0: unreachable). `at` overrides the clock. */
  userSends(
    user: SimulatedUserRef,
    message: SimulatedUserMessage,
    options?: { phoneNumberId?: string; at?: number },
  ): Promise<{ wamid: string; status: number }>;
  /** Several messages (from one or several users) in ONE webhook, as Meta sometimes batches them. */
  userSendsBatch(
    items: Array<{ user: SimulatedUserRef; message: SimulatedUserMessage; at?: number }>,
    options?: { phoneNumberId?: string },
  ): Promise<{ wamids: string[]; status: number }>;
  conversation(userId: string): RecordedMessage[];
  /** The next `count` bot messages this user has not been handed yet (waits for them). */
  waitForReplies(userId: string, count?: number, timeoutMs?: number): Promise<RecordedMessage[]>;
  onBotMessage(listener: (message: RecordedMessage) => void): () => void;
  /** Everything the phone sees: bot messages, statuses, read receipts and typing (for live previews). */
  onActivity(listener: (activity: SimulatorActivity) => void): () => void;
  faults: Pick<FaultInjector, 'inject' | 'remove' | 'clear'>;
  stats(): SimulatorStats;
}

/**
 * A local WhatsApp Cloud API: Graph endpoints that validate and record, a phone side that posts
 * signed webhooks, statuses, faults and Meta's limits.
 * @example
 * const sim = createSimulator({ appSecret: 's', webhookUrl: 'http://127.0.0.1:3000/webhook' });
 * await sim.listen();
 * await sim.userSends({ waId: '15557654321', name: 'Dana' }, 'hi');
 * const [reply] = await sim.waitForReplies('15557654321');
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const clock = options.clock ?? { now: () => Date.now() };
  const numbers: BusinessNumber[] = (
    options.phoneNumberIds ?? [options.phoneNumberId ?? '112233445566778']
  ).map((phoneNumberId, i) => ({
    phoneNumberId,
    displayPhoneNumber:
      i === 0 ? (options.displayPhoneNumber ?? '15550001234') : `1555000${String(1234 + i)}`,
    wabaId: options.wabaId ?? '210987654321098',
  }));
  const log = new ConversationLog({ maxMessagesPerUser: options.maxMessagesPerUser });
  const faults = createFaultInjector(options.random ?? Math.random);
  let sequence = 0;
  const random = createRandomPool();
  const newWamid = (userId: string) =>
    `wamid.${Buffer.from(`HBgL${userId}:${++sequence}:${random.hex(8)}`).toString('base64')}`;
  const media = new MediaStore(() =>
    String(1_000_000_000_000_000n + BigInt(++sequence) * 7919n + BigInt(random.uint16())),
  );
  const listeners = new Set<(message: RecordedMessage) => void>();
  const activityListeners = new Set<(activity: SimulatorActivity) => void>();
  const emit = (activity: SimulatorActivity) => {
    for (const listener of activityListeners) listener(activity);
  };
  const counters = { userMessages: 0, botMessages: 0, markedRead: 0, typing: 0, statusesPosted: 0 };
  const rejected: Record<string, number> = {};
  const rejectedReadReceipts: Record<string, number> = {};
  let sender: WebhookSender | undefined;
  let server: Server | undefined;
  let baseUrl: string | undefined;

  const setWebhookUrl = (url: string) => {
    sender?.close();
    sender = createWebhookSender({
      url,
      appSecret: options.appSecret,
      redeliver: options.redeliver,
      log: options.log,
    });
  };
  if (options.webhookUrl) setWebhookUrl(options.webhookUrl);
  const requireSender = () => {
    if (!sender)
      throw new SimulatorError(
        'not_configured',
        'The simulator has no webhook URL yet: pass webhookUrl or call setWebhookUrl.',
      );
    return sender;
  };
  const business = (phoneNumberId?: string) => {
    const found = phoneNumberId ? numbers.find((n) => n.phoneNumberId === phoneNumberId) : numbers[0];
    if (!found)
      throw new SimulatorError(
        'unknown_number',
        `The simulator does not host phone number id ${phoneNumberId}.`,
      );
    return found;
  };

  const reporter = createStatusReporter({
    log,
    now: () => clock.now(),
    delays: options.statusDelays,
    batching: options.statusBatching,
    post: (phoneNumberId, payloadEntries) =>
      sender ? sender.post(statusesPayload(business(phoneNumberId), payloadEntries)) : Promise.resolve(0),
    onStatus: (record, status) => {
      counters.statusesPosted++;
      emit({ kind: 'status', wamid: record.wamid, userId: record.userId, status });
    },
  });

  let rateLimiter = options.enforceRates
    ? createRateLimiter(options.enforceRates, () => clock.now())
    : undefined;
  const desk = createOutboundDesk({
    log,
    now: () => clock.now(),
    numbers: numbers.map((n) => n.phoneNumberId),
    rateLimiter: () => rateLimiter,
    enforceWindow: options.enforceWindow ?? true,
    unreachable: new Set((options.unreachable ?? []).map((n) => n.replace(/^\+/, ''))),
    newWamid,
    onRejected: (code, request) => {
      const counts = request === 'send' ? rejected : rejectedReadReceipts;
      counts[code] = (counts[code] ?? 0) + 1;
    },
    onAccepted: (record, addressedByBsuid, failure) => {
      counters.botMessages++;
      for (const listener of listeners) listener(record);
      emit({ kind: 'bot', message: record });
      reporter.start(record, addressedByBsuid, failure);
    },
    onMarkRead: (target, typing) => {
      counters.markedRead++;
      if (typing) counters.typing++;
      emit({ kind: typing ? 'typing' : 'read', wamid: target.wamid, userId: target.userId });
    },
  });

  const handler = createGraphHandler({
    accessToken: options.accessToken,
    faults,
    desk,
    media,
    publicUrl: () => options.publicUrl ?? baseUrl,
    numbers: () => numbers,
    control: {
      userSends: (user, message, phoneNumberId) => simulator.userSends(user, message, { phoneNumberId }),
      conversation: (userId) => simulator.conversation(userId),
      waitForReplies: (userId, count, timeoutMs) => simulator.waitForReplies(userId, count, timeoutMs),
      stats: () => simulator.stats(),
      setRateLimits: (limits) => simulator.setRateLimits(limits),
    },
  });

  const simulator: Simulator = {
    async listen(port = 0, host = '127.0.0.1') {
      server = createServer({ keepAliveTimeout: 30_000 }, handler);
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject);
        server?.listen(port, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      return { url: baseUrl };
    },
    async close() {
      reporter.close();
      sender?.close();
      if (server) {
        const s = server;
        server.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
    get graphBaseUrl() {
      return options.publicUrl ?? baseUrl;
    },
    handler,
    setWebhookUrl,
    setRateLimits(limits) {
      rateLimiter = limits ? createRateLimiter(limits, () => clock.now()) : undefined;
    },
    async userSends(user, message, sendOptions = {}) {
      const result = await simulator.userSendsBatch([{ user, message, at: sendOptions.at }], sendOptions);
      return { wamid: result.wamids[0] ?? '', status: result.status };
    },
    async userSendsBatch(items, sendOptions = {}) {
      const number = business(sendOptions.phoneNumberId);
      const built = items.map((item) => {
        const { key, user: record } = log.upsertUser(item.user);
        const body = buildUserMessage(item.message, {
          lastBotMessage: (predicate) => log.lastBotMessage(key, predicate),
          botMessage: (wamid) => log.get(wamid),
          storeMedia: (data, mimeType) => media.put(data, mimeType),
          businessDisplayNumber: number.displayPhoneNumber,
        });
        return { key, record, body, at: item.at ?? clock.now(), wamid: newWamid(key) };
      });
      for (const { key, record, body, at, wamid } of built) {
        record.lastInboundAt = Math.max(record.lastInboundAt ?? 0, at);
        log.add({
          direction: 'user',
          wamid,
          userId: key,
          phoneNumberId: number.phoneNumberId,
          at,
          type: String(body.type),
          payload: body,
        });
        counters.userMessages++;
      }
      const status = await requireSender().post(
        inboundMessagesPayload(
          number,
          built.map(({ record, body, at, wamid }) => ({
            user: record,
            message: body,
            wamid,
            timestampSeconds: Math.floor(at / 1000),
          })),
        ),
      );
      return { wamids: built.map((b) => b.wamid), status };
    },
    conversation(userId) {
      const key = log.resolve(userId);
      return key ? log.list(key) : [];
    },
    waitForReplies(userId, count = 1, timeoutMs = 5000) {
      const key =
        log.resolve(userId) ??
        log.upsertUser(/^[A-Z]{2}\./.test(userId) ? { bsuid: userId } : { waId: userId }).key;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          cancel();
          const got = log.unseenBot(key).map((m) => m.type);
          reject(
            new SimulatorError(
              'timeout',
              `Waited ${timeoutMs} ms for ${count} bot message(s) to ${userId}; got ${got.length}${got.length ? ` (${got.join(', ')})` : ''}.`,
            ),
          );
        }, timeoutMs);
        const cancel = log.waitForBot(key, count, (messages) => {
          clearTimeout(timer);
          resolve(messages);
        });
      });
    },
    onBotMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onActivity(listener) {
      activityListeners.add(listener);
      return () => activityListeners.delete(listener);
    },
    faults: { inject: faults.inject, remove: faults.remove, clear: faults.clear },
    stats() {
      return {
        users: log.userCount(),
        ...counters,
        rejected: { ...rejected },
        rejectedReadReceipts: { ...rejectedReadReceipts },
        faults: faults.fired(),
        webhooks: sender?.stats() ?? {
          posted: 0,
          acknowledged: 0,
          failed: 0,
          redeliveries: 0,
          pendingRedeliveries: 0,
          gaveUp: 0,
        },
      };
    },
  };
  return simulator;
}
