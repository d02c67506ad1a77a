import type { z } from 'zod';
import type { ContactIdentity, InboundMessage, OutboundMessageInput } from '@parley/flow';

/** A port declared by a node type: an exit, and a React Flow source handle with the same id. */
export interface PortSpec {
  id: string;
  label: string;
  /** @default 'normal' */
  kind?: 'normal' | 'fallback' | 'error';
  /** What happens when no edge leaves this port, when that is a designed default; the linter then stays quiet. */
  whenUnconnected?: string;
}

/**
 * Ports that depend on config, declared as data so the builder can compute them without code:
 * "one port per item of the array field `options`, id from `id`, label from `title`".
 */
export interface PortsFromArray {
  each: string;
  id: string;
  label: string;
  kind?: 'normal' | 'fallback' | 'error';
  /** As `PortSpec.whenUnconnected`, for every port of the expansion. */
  whenUnconnected?: string;
}

/** The node's ports in order: fixed ones and per-item expansions. */
export type PortsDeclaration = ReadonlyArray<PortSpec | PortsFromArray>;

/** A plain JSON HTTP request, made for a node by the engine under its SSRF policy, timeout and size cap. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export type HttpResponse =
  | { ok: true; status: number; headers: Record<string, string>; body: string; json?: unknown }
  | { ok: false; error: { code: string; message: string; status?: number } };

/** The only way a node reaches the network. */
export interface HttpCapability {
  request(request: HttpRequest): Promise<HttpResponse>;
}

export interface NodeLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** What the engine hands an executor. No `this`: tests pass a plain object. */
export interface NodeContext<Config> {
  /** Parsed config, with every template field already rendered. */
  config: Config;
  /** The raw config as drawn (templates not rendered), for nodes that render per item. */
  rawConfig: Config;
  node: { id: string };
  vars: Readonly<Record<string, unknown>>;
  contact: ContactIdentity & { userId: string };
  /** State this node kept from its previous call in the same visit (retry counts and such). */
  nodeState: unknown;
  /** Renders `{{var}}` / `{{var | "default"}}` with the conversation's variables. */
  render(template: string): string;
  now(): number;
  random(): number;
  http: HttpCapability;
  log: NodeLogger;
}

export interface ReplyContext<Config> extends NodeContext<Config> {
  /** The user's message that woke the node. */
  input: InboundMessage;
}

/** Where the conversation goes next. */
export type NodeNext<Port extends string = string> =
  | { port: Port }
  | { wait: 'reply' }
  | { wait: 'timer'; ms: number; port: Port }
  | { end: true }
  | { handoff: true; port: Port }
  | { goto: { nodeId?: string; flowId?: string } };

/** What an executor returns: never void, never a side effect. */
export interface NodeResult<Port extends string = string> {
  messages?: OutboundMessageInput[];
  /** Variable updates; `null` clears a variable. */
  set?: Record<string, unknown>;
  /** Kept for this node's next call (onReply after run, or a re-ask). Cleared when the node is left. */
  nodeState?: unknown;
  /** Show the typing indicator before what follows (best effort). */
  typing?: boolean;
  next: NodeNext<Port>;
}

/** UI hints carried in the JSON Schema, plain JSON only (functions would not survive). */
export interface UiMeta {
  widget?: 'text' | 'textarea' | 'template' | 'variable' | 'code' | 'hidden' | 'node';
  group?: string;
  placeholder?: string;
  help?: string;
  /** Show this field only when another field equals a value. */
  showIf?: { field: string; equals: unknown };
  /** Offer several lines (a templated message body, a request body). */
  multiline?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConfigSchema = z.ZodType<any, any>;

/** One node type, in one file: metadata, schema, ports and executor together, browser-safe. */
export interface NodeDefinition<
  Schema extends AnyConfigSchema = AnyConfigSchema,
  Port extends string = string,
> {
  /** Stable id, kebab-case; third parties namespace theirs (`acme/order-status`). Never renamed. */
  type: string;
  /** @default 1 */
  version?: number;
  /** Upgrade stored `data` written by an older version of this node type. */
  migrate?: (data: Record<string, unknown>, fromVersion: number) => Record<string, unknown>;
  title: string;
  category: 'Triggers' | 'Messages' | 'Questions' | 'Logic' | 'Integrations' | 'Flow' | (string & {});
  /** An icon name or an emoji; never a component, so definitions stay free of React. */
  icon: string;
  description: string;
  config: Schema;
  ports: PortsDeclaration;
  /** Start nodes have no input handle. @default false */
  trigger?: boolean;
  /** Short text for the node card. */
  summary?: (config: z.output<Schema>) => string;
  /** Variables this node writes (for the linter's undefined-variable check). */
  variablesSet?: (config: z.output<Schema>) => string[];
  /** Design-time checks beyond the schema, with paths into `data`. */
  check?: (
    config: z.output<Schema>,
  ) => Array<{ path: (string | number)[]; message: string; severity?: 'error' | 'warning' }>;
  /** Nodes this node may jump to (for reachability). */
  jumpTargets?: (config: z.output<Schema>) => string[];
  /** Whether the node pauses on a durable timer for this config (delays). */
  waitsForTimer?: (config: z.output<Schema>) => boolean;
  /** For trigger nodes: whether a first message starts the flow here. */
  matchesTrigger?: (config: z.output<Schema>, input: InboundMessage) => boolean;
  /** Called when the conversation enters the node. */
  run: (ctx: NodeContext<z.output<Schema>>) => NodeResult<Port> | Promise<NodeResult<Port>>;
  /** Its presence makes the node wait for the user's reply; called with that reply. */
  onReply?: (ctx: ReplyContext<z.output<Schema>>) => NodeResult<Port> | Promise<NodeResult<Port>>;
}
