import type { AnyMachineSnapshot } from 'xstate';
import {
  isTemplateMessage,
  type ContactRecord,
  type ConversationKey,
  type ConversationRecord,
  type InboundMessage,
  type OutboundMessageInput,
  type OutboxRecord,
  type TimerRecord,
  type TranscriptEntry,
} from '@parley/flow';
import type { CompiledFlow } from '../compile/compileFlow.js';
import type { FlowMachineEvent } from '../compile/flowMachine.js';
import { END_STATE, PARKED_STATE } from '../compile/flowMachine.js';
import { checkOutbound } from './checkOutbound.js';
import { pushBounded, PATH_LIMIT, type SnapshotEnvelope } from './envelope.js';
import { TRANSCRIPT_TEXTS, type TranscriptCode } from './transcriptTexts.js';
import { TemplateScope } from './templateScope.js';
import type { EngineDeps } from './EngineDeps.js';

// Returned unnamed on purpose (see `rendererFor` in templateScope.ts).
function clockAt(now: number): () => number {
  return () => now;
}

/** WhatsApp's customer service window. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Everything one `Engine.handle` call reads and changes: a working copy of the conversation and
 * what will go into the commit unit. Nothing here touches storage.
 */
export class Turn {
  readonly outbox: OutboxRecord[] = [];
  readonly transcript: TranscriptEntry[] = [];
  readonly timersSet: TimerRecord[] = [];
  readonly timersCancelled: string[] = [];
  steps = 0;
  contactChanged = false;
  /** The user's message being handled, for `message.*` variables and reply context. */
  input: InboundMessage | undefined;
  compiled!: CompiledFlow;
  snapshot!: AnyMachineSnapshot;

  constructor(
    readonly deps: EngineDeps,
    readonly now: number,
    readonly key: ConversationKey,
    readonly conversationId: string,
    public conv: ConversationRecord,
    public env: SnapshotEnvelope,
    public contact: ContactRecord,
  ) {
    this.clock = clockAt(now);
  }

  /** The node the machine is in, or null at the idle/end/parked states. */
  currentNodeId(): string | null {
    return this.compiled.nodeOfKey.get(this.snapshot.value as string) ?? null;
  }

  /** Sends an event to the flow machine (a pure transition); returns the node id it lands on. */
  move(event: FlowMachineEvent): string | null {
    this.snapshot = this.compiled.stepper.transition(this.snapshot, event);
    const nodeId = this.currentNodeId();
    if (nodeId !== null) this.env.path = pushBounded(this.env.path, nodeId, PATH_LIMIT);
    return nodeId;
  }

  isAtEnd(): boolean {
    return this.snapshot.value === END_STATE;
  }

  isParked(): boolean {
    return this.snapshot.value === PARKED_STATE;
  }

  /**
   * The template scope of this point of the turn (flow variables plus `contact.*`, `message.*`,
   * `flow.*`) with its `render`; made anew only when what it is made of was replaced.
   */
  templates(): TemplateScope {
    const cached = this.templateCache;
    if (
      cached &&
      cached.vars === this.conv.vars &&
      cached.input === this.input &&
      cached.contact === this.contact &&
      cached.flowId === this.conv.flowId &&
      cached.flowVersion === this.conv.flowVersion
    )
      return cached;
    this.templateCache = new TemplateScope(
      this.conv.vars,
      this.input,
      this.contact,
      this.key.userId,
      this.conv.flowId,
      this.conv.flowVersion,
    );
    return this.templateCache;
  }

  private templateCache: TemplateScope | undefined;

  /** The turn's clock for node contexts (one function per turn, not per step). */
  readonly clock: () => number;

  note(code: TranscriptCode, fields: Partial<TranscriptEntry> = {}, text?: string): void {
    const direction = fields.direction ?? 'event';
    this.transcript.push({
      id: this.deps.ids(),
      conversationId: this.conversationId,
      at: this.now,
      direction,
      code,
      text: text ?? TRANSCRIPT_TEXTS[code],
      ...fields,
    });
  }

  error(code: TranscriptCode, nodeId: string | undefined, detail?: string): void {
    const text = detail ? `${TRANSCRIPT_TEXTS[code]} (${detail})` : TRANSCRIPT_TEXTS[code];
    this.note(code, { direction: 'error', ...(nodeId ? { nodeId } : {}) }, text);
  }

  recordInbound(message: InboundMessage): void {
    this.transcript.push({
      id: this.deps.ids(),
      conversationId: this.conversationId,
      at: this.now,
      direction: 'in',
      inbound: message,
      ...(this.conv.nodeId ? { nodeId: this.conv.nodeId } : {}),
    });
  }

  /**
   * Queues a message for the dispatcher, unless WhatsApp would refuse it: invalid shape, the
   * contact opted out, or outside the 24-hour window (templates excepted). Each refusal is written down.
   */
  send(message: OutboundMessageInput, nodeId?: string): boolean {
    const checked = checkOutbound(message);
    if (!checked.ok) {
      this.error('node.invalid_message', nodeId, checked.detail);
      return false;
    }
    const outbound = checked.message;
    const template = isTemplateMessage(outbound);
    const at = nodeId ? { nodeId } : {};
    if (this.contact.optedOut && !template) {
      this.note('optout.suppressed', { direction: 'error', outbound, ...at });
      return false;
    }
    const last = this.contact.lastUserMessageAt ?? this.conv.lastUserMessageAt;
    if (!template && (last === null || this.now - last > SERVICE_WINDOW_MS)) {
      this.note('window.closed', { direction: 'error', outbound, ...at });
      return false;
    }
    const id = this.deps.ids();
    this.outbox.push({
      id,
      conversationId: this.conversationId,
      phoneNumberId: this.key.phoneNumberId,
      recipient: this.key.userId,
      seq: this.env.seq++,
      message: outbound,
      ...at,
      ...(this.input ? { inReplyTo: this.input.id } : {}),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: this.now,
      deadlineAt: this.now + this.deps.outboxDeadlineMs,
      createdAt: this.now,
      updatedAt: this.now,
    });
    this.transcript.push({
      id: this.deps.ids(),
      conversationId: this.conversationId,
      at: this.now,
      direction: 'out',
      outbound,
      outboxId: id,
      ...at,
    });
    return true;
  }

  setTimer(purpose: TimerRecord['purpose'], dueAt: number, nodeId?: string): string {
    const id = this.deps.ids();
    this.timersSet.push({
      id,
      conversationId: this.conversationId,
      dueAt,
      purpose,
      createdAt: this.now,
      ...(nodeId ? { nodeId } : {}),
    });
    return id;
  }

  cancelTimer(id: string | undefined): void {
    if (id === undefined) return;
    const index = this.timersSet.findIndex((timer) => timer.id === id);
    if (index >= 0) this.timersSet.splice(index, 1);
    else this.timersCancelled.push(id);
  }

  /** Cancels every timer the conversation owns (a restart, an end, a reset). */
  cancelAllTimers(): void {
    this.cancelTimer(this.env.timers.delay?.id);
    this.cancelTimer(this.env.timers.inactivity);
    this.cancelTimer(this.env.timers.coalesce);
    this.env.timers = {};
  }
}
