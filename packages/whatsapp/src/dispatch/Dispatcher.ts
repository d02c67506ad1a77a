import type { OutboxRecord } from '@parley/flow';
import type { GraphError } from '../graph/GraphError.js';
import type { GraphClient } from '../graph/createGraphClient.js';
import type { Clock, Logger, Random } from '../ports.js';
import type { MessageStatusEvent } from '../webhook/parseWebhook.js';
import type { AttemptResult } from './createOutboxOutcomes.js';
import type { RateLimiterOptions } from './createRateLimiter.js';
import type { DispatcherStore } from './DispatcherStore.js';

// The dispatcher's options and public face; `createDispatcher` builds it.

export interface DispatcherOptions {
  store: DispatcherStore;
  /** The client for a phone number; null/undefined when no credentials are configured for it. */
  graph: (phoneNumberId: string) => Pick<GraphClient, 'sendMessage'> | null | undefined;
  /** This instance's name for leases (several servers may share a database). */
  owner: string;
  /** @default Date.now */
  clock?: Clock;
  /** @default Math.random */
  random?: Random;
  rate?: RateLimiterOptions;
  retry?: {
    /** @default 1000 */
    baseMs?: number;
    /** @default 300_000 */
    maxMs?: number;
    /** Stop retrying this long after a row was created, even if its own deadline is later. */
    deadlineMs?: number;
  };
  /** A claimed row is someone else's to recover after this. @default 30_000 */
  leaseMs?: number;
  /** Rows claimed per round. @default 50 */
  batchSize?: number;
  /**
   * Sends in flight at once, across conversations (each conversation still sends one at a time, in
   * order). Rows waiting for a rate-limit slot count too. @default 256
   */
  maxInFlight?: number;
  /**
   * After an ambiguous failure, wait this long for the status webhook before resending. A row whose
   * sender died mid-send is just as ambiguous: it is recovered this long after its claim, not when
   * its lease ends (at least the lease). @default 60_000
   */
  ambiguousGraceMs?: number;
  /** Longest sleep of the loop when nothing is due. @default 1000 */
  idleMs?: number;
  /** Least time between two claims (see `createTickLoop`'s `minGapMs`; a function is asked each time). @default 0 */
  claimGapMs?: number | (() => number);
  /** Quote the inbound message (`inReplyTo`) in each reply. @default false */
  quoteReplies?: boolean;
  log?: Logger;
  /** Token expired or refused (190, permissions): surface loudly, mark the bot unhealthy. */
  onCredentialsError?: (phoneNumberId: string, error: GraphError) => void;
  /** Called after each attempt, for metrics. */
  onAttempt?: (result: AttemptResult, row: OutboxRecord) => void;
  /** Ids for transcript entries. @default crypto.randomUUID */
  ids?: () => string;
}

/** What one tick did. */
export interface TickReport {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  deferred: number;
  /** The earliest time a deferred (rate-limited) row can go, when one is waiting. */
  nextDueAt: number | null;
}

export type ApplyStatusResult =
  { matched: false } | { matched: true; outboxId: string; status: OutboxRecord['status']; changed: boolean };

/** A claim the store may make with a commit, for this sender (see `Dispatcher.offerClaim`). */
export interface ClaimOffer {
  owner: string;
  leaseUntil: number;
}

/** Sends the outbox: in order per conversation, paced, retried, reconciled by status webhooks. */
export interface Dispatcher {
  /** One claim round, then waits for the sends it started (tests; the loop never waits on sends). */
  tick(): Promise<TickReport>;
  start(): void;
  stop(): Promise<void>;
  /** Ends the loop's sleep early (new outbox rows were committed). */
  wake(): void;
  /**
   * Room for one row claimed by the commit that makes it (the store's `commit` with `claimFor`),
   * reserved until `takeClaimed`; undefined when the sender has no room or is stopping. Saves the
   * claim's write and the wait for the loop's next claim.
   */
  offerClaim(): ClaimOffer | undefined;
  /** Hands over the rows a commit claimed for `offer` (none when it claimed nothing or failed). */
  takeClaimed(offer: ClaimOffer, rows: readonly OutboxRecord[]): void;
  applyStatus(event: MessageStatusEvent): Promise<ApplyStatusResult>;
  /** Statuses in webhook order; one message's statuses are one update (see `StatusApplier`). */
  applyStatuses(events: readonly MessageStatusEvent[]): Promise<ApplyStatusResult[]>;
  /** Other instances send for the same numbers: pace this one's share of each number's rate. */
  shareRate(instances: number): void;
}
