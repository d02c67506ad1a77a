import type { HttpCapability, NodeLogger } from '@parley/nodes';
import type { RuntimeRegistry } from '../registry/RuntimeRegistry.js';
import type { EngineStore } from './EngineStore.js';

/** The logger the engine writes to (pino satisfies it). */
export interface EngineLogger extends NodeLogger {
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Options of `createEngine`: every side effect comes in from here. */
export interface EngineOptions {
  store: EngineStore;
  registry: RuntimeRegistry;
  clock: { now(): number };
  http: HttpCapability;
  log: EngineLogger;
  /** Unique ids for outbox rows, transcript entries, timers. @default crypto.randomUUID */
  ids?: () => string;
  /** @default Math.random */
  random?: () => number;
  /** Node executions allowed per event before the conversation is parked. @default 200 */
  stepLimit?: number;
  /** How long the dispatcher may keep retrying a message. @default 24 hours */
  outboxDeadlineMs?: number;
}

/** The options with defaults applied. */
export interface EngineDeps {
  store: EngineStore;
  registry: RuntimeRegistry;
  clock: { now(): number };
  http: HttpCapability;
  log: EngineLogger;
  ids: () => string;
  random: () => number;
  stepLimit: number;
  outboxDeadlineMs: number;
}
