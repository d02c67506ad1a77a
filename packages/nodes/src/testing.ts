import { renderTemplate, type InboundMessage, type PortInfo } from '@parley/flow';
import type {
  HttpCapability,
  HttpRequest,
  HttpResponse,
  NodeContext,
  NodeDefinition,
  NodeResult,
} from './types.js';
import { resolvePorts } from './resolvePorts.js';
import { renderTemplateFields } from './templateFields.js';
import { toConfigIssues } from './toConfigIssues.js';

/** The fixed clock of `runNodeForTest`: 2026-01-01T00:00:00Z. */
export const TEST_NOW = Date.UTC(2026, 0, 1);

export interface RunNodeForTestOptions {
  /** Raw node `data`, parsed with the node's schema (defaults applied) before the call. */
  config?: unknown;
  vars?: Record<string, unknown>;
  /** When given, `onReply` is called with it; otherwise `run`. */
  input?: InboundMessage;
  nodeState?: unknown;
  /** Answers the node's HTTP requests; every request is recorded either way. */
  http?: HttpCapability | ((request: HttpRequest) => HttpResponse | Promise<HttpResponse>);
  now?: number;
  random?: () => number;
  nodeId?: string;
}

export interface NodeTestRun<Port extends string = string> {
  result: NodeResult<Port>;
  /** The config as the executor saw it: parsed, templates rendered. */
  config: unknown;
  requests: HttpRequest[];
  logs: Array<{ level: 'debug' | 'info' | 'warn'; message: string; fields?: Record<string, unknown> }>;
}

/** Thrown when the test's config does not parse: the messages say which field and why. */
export class InvalidTestConfigError extends Error {
  readonly code = 'INVALID_TEST_CONFIG';
  constructor(
    readonly nodeType: string,
    readonly issues: Array<{ path: (string | number)[]; message: string }>,
  ) {
    super(
      `Config for "${nodeType}" is invalid: ${issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    );
    this.name = 'InvalidTestConfigError';
  }
}

/**
 * Runs one node the way the engine would, with fake capabilities: recording `http`, a fixed clock,
 * captured logs. Calls `onReply` when `input` is given, `run` otherwise.
 * @example const { result } = await runNodeForTest(message, { config: { text: 'Hi {{name}}' }, vars: { name: 'Ada' } })
 */
export async function runNodeForTest<Port extends string>(
  definition: NodeDefinition<NodeDefinition['config'], Port>,
  options: RunNodeForTestOptions = {},
): Promise<NodeTestRun<Port>> {
  const parsed = definition.config.safeParse(options.config ?? {});
  if (!parsed.success) throw new InvalidTestConfigError(definition.type, toConfigIssues(parsed.error));
  const vars = options.vars ?? {};
  const render = (text: string) => renderTemplate(text, vars);
  const config = renderTemplateFields(definition.config, parsed.data, render);
  const requests: HttpRequest[] = [];
  const logs: NodeTestRun['logs'] = [];
  const answer = options.http;
  const http: HttpCapability = {
    async request(request) {
      requests.push(request);
      if (!answer)
        return { ok: false, error: { code: 'NO_HTTP', message: 'This test gave the node no HTTP answers' } };
      return typeof answer === 'function' ? answer(request) : answer.request(request);
    },
  };
  const context: NodeContext<unknown> = {
    config,
    rawConfig: parsed.data,
    node: { id: options.nodeId ?? 'node-under-test' },
    vars,
    contact: { userId: 'user-1', waId: '15550001111', name: 'Test User' },
    nodeState: options.nodeState,
    render,
    now: () => options.now ?? TEST_NOW,
    random: options.random ?? (() => 0.5),
    http,
    log: {
      debug: (message, fields) => logs.push({ level: 'debug', message, ...(fields ? { fields } : {}) }),
      info: (message, fields) => logs.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
      warn: (message, fields) => logs.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    },
  };
  let result: NodeResult<Port>;
  if (options.input) {
    if (!definition.onReply)
      throw new Error(`Node type "${definition.type}" does not wait for replies (it has no onReply)`);
    result = await definition.onReply({ ...context, input: options.input });
  } else {
    result = await definition.run(context);
  }
  return { result, config, requests, logs };
}

/**
 * The ports a node has for a config (raw `data`, defaults applied), as the linter and builder see them.
 * @example portsOf(choice, { options: [{ id: 'opt-a', title: 'A' }] }).map((p) => p.id) // ['opt-a', 'fallback']
 */
export function portsOf(definition: NodeDefinition, config: unknown = {}): PortInfo[] {
  const parsed = definition.config.safeParse(config);
  if (!parsed.success) throw new InvalidTestConfigError(definition.type, toConfigIssues(parsed.error));
  return resolvePorts(definition.ports, parsed.data).ports;
}

let sequence = 0;
function common(): { id: string; timestamp: number } {
  sequence += 1;
  return { id: `wamid.test-${sequence}`, timestamp: TEST_NOW };
}

/** Inbound messages for tests. */
export const inbound = {
  text: (text: string): InboundMessage => ({ ...common(), type: 'text', text }),
  button: (buttonId: string, title = buttonId): InboundMessage => ({
    ...common(),
    type: 'button_reply',
    buttonId,
    title,
  }),
  listRow: (rowId: string, title = rowId): InboundMessage => ({
    ...common(),
    type: 'list_reply',
    rowId,
    title,
  }),
  media: (
    mediaKind: 'image' | 'video' | 'audio' | 'document' | 'sticker',
    mediaId = 'media-1',
  ): InboundMessage => ({
    ...common(),
    type: 'media',
    mediaKind,
    mediaId,
  }),
  location: (latitude: number, longitude: number): InboundMessage => ({
    ...common(),
    type: 'location',
    latitude,
    longitude,
  }),
};

/**
 * Every problem the linter would report for a node's `data`: schema issues, or, when it parses,
 * duplicate port ids and the node's own `check`.
 * @example configIssuesOf(choice, { display: 'buttons', options: fourOptions })[0].message
 */
export function configIssuesOf(
  definition: NodeDefinition,
  data: unknown = {},
): Array<{ path: (string | number)[]; message: string; severity: 'error' | 'warning' }> {
  const parsed = definition.config.safeParse(data);
  if (!parsed.success)
    return toConfigIssues(parsed.error).map((issue) => ({ ...issue, severity: 'error' as const }));
  const duplicates = resolvePorts(definition.ports, parsed.data).duplicates.map((duplicate) => ({
    path: duplicate.path,
    message: `Two exits use the id "${duplicate.id}"; give each one its own id`,
    severity: 'error' as const,
  }));
  const own = (definition.check?.(parsed.data) ?? []).map((issue) => ({
    ...issue,
    severity: issue.severity ?? ('error' as const),
  }));
  return [...duplicates, ...own];
}
