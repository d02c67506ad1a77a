import type {
  ContactIdentity,
  ConversationRecord,
  EngineEvent,
  FlowDocument,
  InboundMessage,
  OutboundMessage,
  TranscriptEntry,
} from '@parley/flow';
import type { HttpCapability } from '@parley/nodes';
import { hashText } from '../compile/hashText.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import type { EngineLogger } from '../engine/EngineDeps.js';
import type { RuntimeRegistry } from '../registry/RuntimeRegistry.js';
import { createMemoryEngineStore, type MemoryEngineStore } from '../memory/createMemoryEngineStore.js';

/** What one driver step produced. */
export interface DriverStep {
  messages: OutboundMessage[];
  transcript: TranscriptEntry[];
}

/** Options of `createFlowDriver`. */
export interface FlowDriverOptions {
  registry: RuntimeRegistry;
  /** The flow the bot runs (published as version 1); more can be published later. */
  flow: FlowDocument;
  /** Other flows a `goto` may reach. */
  otherFlows?: FlowDocument[];
  http?: HttpCapability;
  log?: EngineLogger;
  /** @default 1_700_000_000_000 */
  startAt?: number;
  stepLimit?: number;
  contact?: ContactIdentity;
  phoneNumberId?: string;
  userId?: string;
  store?: MemoryEngineStore;
}

/** A user's message as the driver accepts it: the id and timestamp are filled in. */
export type DriverInput = InboundMessage extends infer M
  ? M extends InboundMessage
    ? Omit<M, 'id' | 'timestamp'> & { id?: string; timestamp?: number }
    : never
  : never;

const silentLog: EngineLogger = { debug() {}, info() {}, warn() {}, error() {} };
const noHttp: HttpCapability = {
  request: async () => ({ ok: false, error: { code: 'no_http', message: 'No HTTP in this test' } }),
};

/**
 * Drives one conversation through the real engine with an in-memory store and a fake clock:
 * what the flow-test runner, the unit tests and the preview-like tools use.
 * @example
 * const driver = await createFlowDriver({ registry, flow });
 * const { messages } = await driver.send({ type: 'text', text: 'hi' });
 */
export async function createFlowDriver(options: FlowDriverOptions) {
  const store = options.store ?? createMemoryEngineStore();
  let now = options.startAt ?? 1_700_000_000_000;
  let counter = 0;
  const ids = () => `id-${++counter}`;
  const key = { phoneNumberId: options.phoneNumberId ?? '1055', userId: options.userId ?? '31600000001' };
  const contact: ContactIdentity = options.contact ?? { waId: key.userId, name: 'Ada' };
  const publish = (flow: FlowDocument) =>
    store.publishFlowVersion({
      flowId: flow.id,
      hash: hashText(JSON.stringify(flow)),
      document: flow as unknown as Record<string, unknown>,
      publishedAt: now,
    });
  await publish(options.flow);
  for (const other of options.otherFlows ?? []) await publish(other);
  store.saveBot({
    id: 'bot-1',
    phoneNumberId: key.phoneNumberId,
    flowId: options.flow.id,
    flowVersion: 'latest',
  });
  const makeEngine = (): Engine =>
    createEngine({
      store,
      registry: options.registry,
      clock: { now: () => now },
      http: options.http ?? noHttp,
      log: options.log ?? silentLog,
      ids,
      random: () => 0.5,
      stepLimit: options.stepLimit,
    });
  let engine = makeEngine();
  const conversationId = `${key.phoneNumberId}:${key.userId}`;

  async function handle(event: EngineEvent, inboxId?: string): Promise<DriverStep> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const { commit } = await engine.handle(event, inboxId ? { inboxId } : {});
      const result = await store.commit(commit);
      if (result.ok)
        return { messages: commit.outbox.map((row) => row.message), transcript: commit.transcript };
    }
    throw new Error('the conversation kept conflicting');
  }

  function complete(input: DriverInput): InboundMessage {
    return {
      ...input,
      id: input.id ?? `wamid.${++counter}`,
      timestamp: input.timestamp ?? now,
    } as InboundMessage;
  }

  const driver = {
    store,
    key,
    conversationId,
    now: () => now,
    /** Moves the fake clock without firing anything. */
    setNow(value: number) {
      now = value;
    },
    /** Replaces the engine (as a server restart would); the store is kept. */
    restartEngine() {
      engine = makeEngine();
    },
    publish,
    handle,
    /** The user sends a message. */
    async send(input: DriverInput): Promise<DriverStep> {
      const message = complete(input);
      return handle({ type: 'user.message', key, contact, message }, message.id);
    },
    /** Delivers a complete inbound message as is (to test redelivery). */
    async deliver(message: InboundMessage): Promise<DriverStep> {
      return handle({ type: 'user.message', key, contact, message }, message.id);
    },
    /** Advances the clock by `ms`, firing every timer that comes due, in order. */
    async advance(ms: number): Promise<DriverStep> {
      const until = now + ms;
      const step: DriverStep = { messages: [], transcript: [] };
      for (;;) {
        const next = store.nextTimerDueAt();
        if (next === null || next > until) break;
        now = Math.max(now, next);
        for (const timer of store.claimDueTimers(now)) {
          const fired = await handle({
            type: 'timer.fired',
            key,
            timerId: timer.id,
            purpose: timer.purpose,
            dueAt: timer.dueAt,
            ...(timer.nodeId ? { nodeId: timer.nodeId } : {}),
          });
          step.messages.push(...fired.messages);
          step.transcript.push(...fired.transcript);
        }
      }
      now = until;
      return step;
    },
    /** Fires pending delay timers at once while the conversation sleeps (flow tests: delays pass instantly). */
    async skipDelays(): Promise<DriverStep> {
      const step: DriverStep = { messages: [], transcript: [] };
      for (let guard = 0; guard < 100; guard++) {
        const delay = store
          .listTimers(conversationId)
          .filter((timer) => timer.purpose === 'delay' || timer.purpose === 'coalesce')
          .sort((a, b) => a.dueAt - b.dueAt)[0];
        if (!delay) break;
        const fired = await driver.advance(Math.max(0, delay.dueAt - now));
        step.messages.push(...fired.messages);
        step.transcript.push(...fired.transcript);
      }
      return step;
    },
    async conversation(): Promise<ConversationRecord | null> {
      return store.getConversation(conversationId);
    },
    transcript(): TranscriptEntry[] {
      return store.listTranscript(conversationId);
    },
  };
  return driver;
}

/** The driver `createFlowDriver` resolves to. */
export type FlowDriver = Awaited<ReturnType<typeof createFlowDriver>>;
