import type { Role } from '@parley/store';
import type { ConversationRecord } from '@parley/flow';
import type { Store } from '@parley/store';
import type { TestServer } from './startTestServer.js';

export type Credentials =
  Role | 'admin' | 'none' | { cookie: string; csrfToken?: string } | { bearer: string };

export interface CallOptions {
  as?: Credentials;
  body?: unknown;
  /** Raw body text (for malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read whatever came back
}

/** Calls the test server like a browser or a script would, and reads the answer. */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const as = options.as ?? 'owner';
  if (typeof as === 'string') {
    if (as !== 'none') headers.authorization = `Bearer ${server.tokens[as]}`;
  } else if ('bearer' in as) {
    headers.authorization = `Bearer ${as.bearer}`;
  } else {
    headers.cookie = as.cookie;
    if (as.csrfToken) headers['x-csrf-token'] = as.csrfToken;
  }
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  // No response, whatever went wrong, may carry a stack trace or a source path.
  if (/\n\s+at |\.ts:\d+|node_modules/.test(text))
    throw new Error(`Response leaks internals: ${text.slice(0, 300)}`);
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Writes a conversation (and its contact) through the store's commit unit, as the engine would. */
export async function seedConversation(
  store: Store,
  input: {
    phoneNumberId?: string;
    userId?: string;
    botId?: string;
    lastUserMessageAt: number | null;
    now: number;
    name?: string;
  },
): Promise<ConversationRecord> {
  const phoneNumberId = input.phoneNumberId ?? '1055';
  const userId = input.userId ?? '31612345678';
  const id = `${phoneNumberId}:${userId}`;
  const conversation: ConversationRecord = {
    id,
    phoneNumberId,
    userId,
    botId: input.botId ?? 'bot_test',
    flowId: 'hello',
    flowVersion: 1,
    flowHash: 'h',
    status: 'waiting',
    nodeId: 'greet',
    snapshot: { secret: 'engine state' },
    vars: { name: 'Ana' },
    startedAt: input.now - 1000,
    updatedAt: input.now,
    lastUserMessageAt: input.lastUserMessageAt,
    revision: 1,
  };
  const result = await store.commit({
    conversationId: id,
    conversation,
    expectedRevision: null,
    contact: {
      id,
      phoneNumberId,
      userId,
      waId: userId,
      name: input.name ?? 'Ana',
      optedOut: false,
      firstSeenAt: input.now - 1000,
      lastUserMessageAt: input.lastUserMessageAt,
    },
    outbox: [],
    transcript: [
      {
        id: `${id}-t1`,
        conversationId: id,
        at: input.now - 900,
        nodeId: 'start',
        direction: 'in',
        inbound: { type: 'text', id: 'wamid.in1', timestamp: input.now - 900, text: 'hi there secret words' },
      },
      {
        id: `${id}-t2`,
        conversationId: id,
        at: input.now - 800,
        nodeId: 'greet',
        direction: 'event',
        code: 'node.entered',
        text: 'Entered',
      },
    ],
    timersSet: [],
    timersCancelled: [],
    inboxDone: [],
  });
  if (!result.ok) throw new Error('seed commit conflicted');
  return conversation;
}
