import type { FlowDocument, OutboundMessage, TranscriptEntry, OutboxRecord } from '@parley/flow';
import type { PortsDeclaration } from '@parley/nodes';

/** A JSON Schema node as produced by `z.toJSONSchema` (the subset the builder reads). */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  ui?: UiHints;
  [key: string]: unknown;
}

/** The `ui` meta a node type attaches to its fields (mirrors `UiMeta` of @parley/nodes). */
export interface UiHints {
  widget?: 'text' | 'textarea' | 'template' | 'variable' | 'code' | 'hidden' | 'node';
  group?: string;
  placeholder?: string;
  help?: string;
  label?: string;
  /** Show a multi-line box (the node's main text). */
  multiline?: boolean;
  showIf?: { field: string; equals: unknown };
}

/** One node type as `GET /api/node-types` describes it. */
export interface NodeManifest {
  type: string;
  version: number;
  title: string;
  category: string;
  icon: string;
  description: string;
  trigger: boolean;
  waitsForInput: boolean;
  ports: PortsDeclaration;
  configSchema: JsonSchema;
  defaults?: Record<string, unknown> | null;
}

/** A lint problem (the shape of `FlowIssue` from @parley/flow). */
export interface FlowIssue {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  nodeId?: string;
  edgeId?: string;
  path: (string | number)[];
}

export interface LintResult {
  errors: FlowIssue[];
  warnings: FlowIssue[];
}

export type Role = 'viewer' | 'editor' | 'owner';

export interface User {
  id: string;
  email: string;
  name?: string;
  role: Role;
}

export interface FlowSummary {
  id: string;
  name: string;
  description?: string;
  updatedAt: string | number;
  etag: string;
  latestVersion: number | null;
  nodeCount: number;
}

export interface FlowVersion {
  version: number;
  hash: string;
  publishedAt: string | number;
  publishedBy?: string;
}

export interface Bot {
  id: string;
  name: string;
  phoneNumberId: string;
  flowId: string;
  flowVersion?: number | string | null;
  kind?: string;
  health?: unknown;
  hasAccessToken: boolean;
}

export interface BotHealth {
  tokenValid: boolean | null;
  lastError: string | null;
  lastErrorAt: string | number | null;
  outboxPending: number;
}

export interface ConversationSummary {
  id: string;
  botId: string;
  userId: string;
  contactName?: string | null;
  status: string;
  nodeId?: string | null;
  flowId: string;
  flowVersion?: number;
  updatedAt: string | number;
  lastUserMessageAt?: string | number | null;
  windowOpen: boolean;
}

export interface ConversationDetail {
  conversation: ConversationSummary & Record<string, unknown>;
  transcript: TranscriptEntry[];
  outbox: OutboxRecord[];
  path: string[];
}

/** One event of a preview session. */
export interface PreviewEvent {
  seq: number;
  kind: 'user' | 'bot' | 'status' | 'typing';
  at: string | number;
  message?: OutboundMessage | Record<string, unknown>;
  status?: string;
  wamid?: string;
  nodeId?: string;
}

export interface PreviewConversationState {
  status: string;
  nodeId: string | null;
  path: string[];
  vars: Record<string, unknown>;
}

export interface PreviewEventsResponse {
  events: PreviewEvent[];
  conversation: PreviewConversationState | null;
}

export type { FlowDocument };
