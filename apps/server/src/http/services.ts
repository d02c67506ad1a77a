import type { FlowDocument, NodeTypeCatalog } from '@parley/flow';
import type { Actor } from '../auth/roles.js';

/** The result of an operator action on a conversation. */
export type CommandResult = { ok: true } | { ok: false; code: 'not_found' };

/**
 * Operator actions on a conversation; the lead implements them as engine events
 * (`operator.reset`, `operator.handoff`, …) queued through the inbox so they run in order with
 * the user's messages.
 */
export interface ConversationCommands {
  reset(conversationId: string, actor: Actor): Promise<CommandResult>;
  handoff(conversationId: string, actor: Actor): Promise<CommandResult>;
  release(conversationId: string, actor: Actor): Promise<CommandResult>;
  /** A human's reply; refused outside WhatsApp's 24-hour customer service window. */
  sendOperatorMessage(
    conversationId: string,
    text: string,
    actor: Actor,
  ): Promise<{ ok: true } | { ok: false; code: 'window.closed' | 'not_found' }>;
}

/** What the preview user sends: text, a tapped button, a chosen list row, or a location. */
export type PreviewInput =
  | { text: string }
  | { buttonId: string; title: string }
  | { rowId: string; title: string }
  | { location: { latitude: number; longitude: number } };

/** One thing that happened in a preview chat, in order. */
export interface PreviewEvent {
  seq: number;
  kind: 'user' | 'bot' | 'status' | 'typing';
  at: number;
  message?: unknown;
  status?: string;
  wamid?: string;
  nodeId?: string;
}

export interface PreviewEvents {
  events: PreviewEvent[];
  conversation: { status: string; nodeId: string | null; path: string[]; vars: Record<string, unknown> };
}

/**
 * The builder's live chat (API.md "Preview"): runs the real engine through the in-process
 * simulator on the current draft. Methods return null when the session does not exist.
 */
export interface PreviewService {
  createSession(
    input: { flow: FlowDocument; startNodeId?: string },
    actor: Actor,
  ): Promise<{ sessionId: string; userId: string; phoneNumberId: string }>;
  sendMessage(sessionId: string, input: PreviewInput, actor: Actor): Promise<{ ok: true } | null>;
  /** Long-polls: resolves as soon as there are events after `after`, or after `waitMs`, or when `signal` aborts. */
  events(
    sessionId: string,
    after: number,
    options: { waitMs: number; signal: AbortSignal },
  ): Promise<PreviewEvents | null>;
  restart(sessionId: string, actor: Actor): Promise<{ ok: true } | null>;
  deleteSession(sessionId: string, actor: Actor): Promise<{ ok: true } | null>;
  /** Saves the transcript so far as `flows/<id>.test.json`. */
  saveTest(sessionId: string, actor: Actor): Promise<{ path: string } | null>;
}

/** The node registry as the server needs it: the linter's catalogue plus the builder's manifest. */
export interface NodeRegistryLike extends NodeTypeCatalog {
  manifest(): unknown[];
}

/** Seals access tokens at rest (the store's AES-256-GCM cipher; AAD binds a value to its record). */
export interface SecretCipher {
  encrypt(plaintext: string, aad: string): string;
  decrypt(text: string, aad: string): string;
}
