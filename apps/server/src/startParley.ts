import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { createEngine, createKeyedSerialQueue, createSafeHttp } from '@parley/runtime';
import { createSimulator, type Simulator } from '@parley/simulator';
import { createStore, type Store } from '@parley/store';
import {
  createDispatcher,
  createForwarder,
  createReadReceipts,
  createThreadTransport,
  createWebhookHandler,
} from '@parley/whatsapp';
import { createAuth } from './auth/createAuth.js';
import { ensureInitialOwner } from './auth/ensureInitialOwner.js';
import { LoginThrottle } from './auth/LoginThrottle.js';
import type { Config } from './config/loadConfig.js';
import { FlowRepository } from './flows/FlowRepository.js';
import { createApp } from './http/createApp.js';
import { withWebhookLane } from './http/withWebhookLane.js';
import type { Logger } from './logging/createLogger.js';
import { createParleyMetrics } from './metrics/createParleyMetrics.js';
import { observeMainThread } from './metrics/observeMainThread.js';
import { loadNodeRegistry } from './nodeRegistry/loadNodeRegistry.js';
import { createPreviewService } from './preview/createPreviewService.js';
import { ensureDefaultBot } from './sandbox/ensureDefaultBot.js';
import { createGraphClients } from './sandbox/graphClients.js';
import { createConversationCommands } from './workers/conversationCommands.js';
import { createEngineStoreView } from './workers/createEngineStoreView.js';
import { createInboxWorker } from './workers/inboxWorker.js';
import { createLagGovernor } from './workers/createLagGovernor.js';
import { claimGapPolicy } from './workers/claimGap.js';
import { startRateSharing } from './workers/rateSharing.js';
import { startRetentionJob } from './workers/retentionJob.js';
import { createTimerScheduler } from './workers/timerScheduler.js';

export interface StartOptions {
  log: Logger;
  /** Where the one-time owner credentials are printed (stdout; never the log). */
  print(text: string): void;
  clock?: { now(): number };
  /** Where parley.config.json is looked for. @default process.cwd() */
  rootDir?: string;
  /** The built builder. @default apps/builder/dist beside this app */
  builderDir?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RunningParley {
  url: string;
  port: number;
  store: Store;
  simulator: Simulator;
  /** Stop taking webhooks, finish the events in hand, flush the store. */
  close(): Promise<void>;
}

/** How many preview chats can run at once (each borrows a simulated business number). */
const PREVIEW_NUMBERS = 20;

/** Node-style `(message, fields)` logging for the engine and node executors, over pino. */
function engineLogger(log: Logger) {
  return {
    debug: (message: string, fields?: Record<string, unknown>) => log.debug(fields ?? {}, message),
    info: (message: string, fields?: Record<string, unknown>) => log.info(fields ?? {}, message),
    warn: (message: string, fields?: Record<string, unknown>) => log.warn(fields ?? {}, message),
    error: (message: string, fields?: Record<string, unknown>) => log.error(fields ?? {}, message),
  };
}

/**
 * Wires Parley together: the store, the node registry, the engine and its workers (inbox,
 * outbox, timers, retention), the webhook, the REST API, the builder, and the in-process Cloud
 * API simulator that serves the sandbox bot and the builder's previews.
 */
export async function startParley(config: Config, options: StartOptions): Promise<RunningParley> {
  const { log } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const owner = `parley-${process.pid}-${randomBytes(4).toString('hex')}`;
  const metrics = createParleyMetrics();

  const created = await createStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    encryptionKey: config.dataEncryptionKey,
    log,
  });
  const { store, cipher } = created;
  await store.init();
  log.info({ store: created.kind, contentEncryption: created.contentEncryption }, 'store ready');

  try {
    const registry = await loadNodeRegistry({ rootDir: options.rootDir, env: options.env });
    const flows = new FlowRepository({ dir: config.flowsDir, store, catalog: registry });
    const throttle = new LoginThrottle({
      maxFailures: config.login.maxFailures,
      windowMs: config.login.windowMs,
    });
    const auth = createAuth({
      store,
      adminToken: config.adminToken,
      sessionIdleMs: config.sessionIdleMs,
      throttle,
    });
    await ensureInitialOwner({
      store,
      email: config.ownerEmail,
      hashPassword: (p) => auth.hashPassword(p),
      print: options.print,
      sandbox: config.sandbox,
      dataDir: config.dataDir,
    });

    // The simulator always runs: it is the sandbox's "Meta" and the builder preview's phone.
    const simulatorSecret = config.sandbox ? config.whatsapp.appSecret : randomBytes(24).toString('hex');
    const previewNumbers = Array.from(
      { length: PREVIEW_NUMBERS },
      (_, i) => `99000000000${String(i).padStart(4, '0')}`,
    );
    const simulatorNumbers = config.sandbox
      ? [config.whatsapp.phoneNumberId, ...previewNumbers]
      : previewNumbers;
    const simulator = createSimulator({
      appSecret: simulatorSecret,
      phoneNumberIds: simulatorNumbers,
      statusDelays: { sent: 50, delivered: 250, read: 900 },
      enforceWindow: true,
    });
    await simulator.listen(0, '127.0.0.1');

    // GRAPH_SEND_THREAD (default on): Graph requests (sends, read receipts, media) on a thread.
    const graphTransport = config.graphSendThread ? createThreadTransport() : undefined;
    const graphClients = createGraphClients({
      store,
      transport: graphTransport?.send,
      cipher,
      graphApiBaseUrl: config.whatsapp.graphApiBaseUrl,
      graphApiVersion: config.whatsapp.graphApiVersion,
      defaultAccessToken: config.whatsapp.accessToken,
      simulatorNumbers: new Set(simulatorNumbers),
      simulatorBaseUrl: simulator.graphBaseUrl!,
    });

    await ensureDefaultBot({
      store,
      flows,
      phoneNumberId: config.whatsapp.phoneNumberId,
      flowId: config.botFlow,
      sandbox: config.sandbox,
      now: clock.now(),
      log,
    });
    const refreshTokens = async () => {
      for (const bot of await store.listBots()) await graphClients.refresh(bot.phoneNumberId);
    };
    await refreshTokens();
    // Bots edited through the API get their new token within seconds, on every instance.
    const tokenTimer = setInterval(() => void refreshTokens().catch(() => undefined), 10_000);
    tokenTimer.unref();

    const engine = createEngine({
      store: createEngineStoreView(store),
      registry,
      clock,
      http: createSafeHttp({
        allowPrivateNetworks: config.http.allowPrivate,
        allowHosts: config.http.allowHosts,
      }),
      log: engineLogger(log),
    });

    const { claimGapMs, setInstances } = claimGapPolicy(created.kind, config.claimGapMs);
    const dispatcher = createDispatcher({
      store,
      graph: (phoneNumberId) => graphClients.get(phoneNumberId),
      owner,
      clock: () => clock.now(),
      rate: { perNumberPerSecond: config.outboxRatePerSecond },
      claimGapMs,
      ambiguousGraceMs: config.outboxAmbiguousGraceMs,
      log,
      onCredentialsError: (phoneNumberId, error) => {
        log.error(
          { phoneNumberId, code: error.code },
          'WhatsApp refused the access token: the bot is unhealthy',
        );
        void store.getBotByPhoneNumberId(phoneNumberId).then((bot) => {
          if (!bot) return;
          return store.saveBot({
            ...bot,
            health: { tokenValid: false, lastError: error.message, lastErrorAt: clock.now() },
            updatedAt: clock.now(),
          });
        });
      },
      onAttempt: (result) => {
        metrics.sendAttempts.inc({ result });
        if (result === 'retry') metrics.sendRetries.inc();
      },
    });

    const readReceipts = createReadReceipts({ graph: (n) => graphClients.get(n), log });
    const timers = createTimerScheduler({ store, owner, clock, log, onFired: () => inboxWorker.wake() });
    // Under overload the event loop runs late and every webhook's 200 waits behind the work in
    // hand: the inbox worker then takes on less (down to 16 events), so acknowledging stays fast
    // while the backlog waits, durable, in the inbox.
    const inboxGovernor = createLagGovernor({ max: 256, min: 16 });
    const inboxWorker = createInboxWorker({
      store,
      engine,
      queue: createKeyedSerialQueue(),
      owner,
      clock,
      log,
      maxInFlight: inboxGovernor.limit,
      claimGapMs,
      applyStatuses: async (events) => {
        await dispatcher.applyStatuses(events);
      },
      replyClaims: { offer: dispatcher.offerClaim, settle: dispatcher.takeClaimed },
      onCommitted: (unit, event, startedAt, claimed) => {
        metrics.eventsProcessed.inc();
        metrics.eventProcessingSeconds.observe((clock.now() - startedAt) / 1000);
        if (event.type === 'user.message')
          void readReceipts.markRead(event.key.phoneNumberId, event.message.id);
        // A claimed first reply is on its way; the unit's later rows wait for it to be sent, and
        // that send wakes the loop.
        if (unit.outbox.length > 0 && claimed.length === 0) dispatcher.wake();
        // A cancelled timer needs no wake-up: one planned for it finds nothing due and re-plans.
        if (unit.timersSet.length > 0) timers.wake(Math.min(...unit.timersSet.map((t) => t.dueAt)));
      },
    });

    const forwarder = config.forwardWebhook
      ? createForwarder({
          url: config.forwardWebhook.url,
          secret: config.forwardWebhook.secret ?? config.whatsapp.appSecret,
          log,
        })
      : undefined;
    const appSecrets = config.sandbox ? [simulatorSecret] : [config.whatsapp.appSecret, simulatorSecret];
    const webhookHandler = createWebhookHandler({
      appSecrets,
      verifyToken: config.whatsapp.verifyToken,
      inbox: store,
      // Delivery statuses are applied before the 200 rather than queued in the inbox (see
      // createWebhookHandler); a `failed` one still goes through the inbox.
      statuses: {
        applyStatuses: async (events) => {
          await dispatcher.applyStatuses(events);
          metrics.webhookEventsReceived.inc({}, events.length);
        },
      },
      log,
      forwarder,
      onAccepted: (newIds) => {
        metrics.webhookEventsReceived.inc({}, newIds.length);
        if (newIds.length > 0) inboxWorker.wake();
      },
    });

    const conversationCommands = createConversationCommands({
      store,
      clock,
      onQueued: () => inboxWorker.wake(),
    });
    const preview = createPreviewService({
      store,
      simulator,
      phoneNumberIds: previewNumbers,
      flowsDir: config.flowsDir,
      clock,
      log,
    });

    let workersRunning = false;
    const builderDir = options.builderDir ?? path.resolve(import.meta.dirname, '../../builder/dist');
    // A bot created or edited through the API gets its access token at once, not at the next refresh.
    const apiStore = new Proxy(store, {
      get(target, property) {
        if (property === 'saveBot') {
          return async (bot: Parameters<Store['saveBot']>[0]) => {
            await target.saveBot(bot);
            await graphClients.refresh(bot.phoneNumberId);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const app = createApp({
      config,
      store: apiStore,
      registry,
      flows,
      log,
      metrics,
      auth,
      conversationCommands,
      cipher,
      preview,
      webhookHandler,
      builderDir: existsSync(builderDir) ? builderDir : undefined,
      isReady: async () => workersRunning,
      now: () => clock.now(),
    });

    const server: Server = createServer(
      withWebhookLane(app, {
        webhookHandler,
        log,
        metrics,
        https: config.publicUrl?.startsWith('https://') ?? false,
        trustProxy: config.trustProxy,
      }),
    );
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    simulator.setWebhookUrl(`http://127.0.0.1:${port}/webhook`);

    const rateSharing = await startRateSharing({
      store,
      dispatcher,
      log,
      onCount: setInstances,
    });
    // Replays whatever the inbox holds from before a crash: claimed rows are processed first.
    dispatcher.start();
    inboxWorker.start();
    // Rows another instance received (behind a load balancer) are claimed at once when this
    // instance holds their conversation's lease, instead of at the next poll.
    const stopInboxWakeups = store.onInboxAppended?.(() => inboxWorker.wake());
    timers.start();
    const retention = startRetentionJob({ store, retentionDays: config.retentionDays, clock, log });
    const depthTimer = setInterval(() => {
      void store.countPendingOutbox().then(
        (n) => metrics.outboxQueueDepth.set(n),
        () => undefined,
      );
    }, 5_000);
    depthTimer.unref();
    workersRunning = true;
    const stopMainThreadMetrics = observeMainThread(metrics.registry);

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      store,
      simulator,
      close() {
        closing ??= (async () => {
          workersRunning = false;
          clearInterval(depthTimer);
          clearInterval(tokenTimer);
          rateSharing.stop();
          inboxGovernor.stop();
          stopInboxWakeups?.();
          stopMainThreadMetrics();
          retention.stop();
          timers.stop();
          // No new webhooks; in-flight requests finish (their rows are already durable).
          const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          await inboxWorker.stop();
          await dispatcher.stop();
          await graphTransport?.close();
          preview.close();
          server.closeAllConnections();
          await serverClosed;
          await simulator.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
