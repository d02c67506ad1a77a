import type {
  Bot,
  BotHealth,
  ConversationDetail,
  ConversationSummary,
  FlowDocument,
  FlowSummary,
  FlowVersion,
  LintResult,
  NodeManifest,
  PreviewEventsResponse,
  User,
} from './types.js';
import { ApiError } from './ApiError.js';

/** How the client talks HTTP; tests and the app pass `fetch`. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: FetchLike;
  /** Called on every 401 so the app can show the login page. */
  onUnauthorized?: () => void;
}

/** A typed client for the Parley REST API (/work/notes/API.md); cookie session + CSRF header. */
export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '';
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  let csrfToken: string | null = null;

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    extra: { headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<{ data: T; response: Response }> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
    let response: Response;
    try {
      response = await doFetch(baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        signal: extra.signal,
      });
    } catch (cause) {
      if ((cause as Error)?.name === 'AbortError') throw cause;
      throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
    }
    const text = await response.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!response.ok) {
      if (response.status === 401) options.onUnauthorized?.();
      throw ApiError.fromBody(response.status, data, response.headers.get('retry-after'));
    }
    return { data: data as T, response };
  }

  const get = async <T>(path: string, signal?: AbortSignal) =>
    (await request<T>('GET', path, undefined, { signal })).data;
  const send = async <T>(method: string, path: string, body?: unknown) =>
    (await request<T>(method, path, body)).data;
  const enc = encodeURIComponent;

  return {
    /** Sets the CSRF token (from login or /auth/me). */
    setCsrfToken(token: string | null) {
      csrfToken = token;
    },
    async login(email: string, password: string) {
      const res = await send<{ user: User; csrfToken: string }>('POST', '/api/auth/login', {
        email,
        password,
      });
      csrfToken = res.csrfToken;
      return res.user;
    },
    async me() {
      const res = await get<{ user: User; csrfToken: string }>('/api/auth/me');
      csrfToken = res.csrfToken;
      return res.user;
    },
    async logout() {
      await send<void>('POST', '/api/auth/logout');
      csrfToken = null;
    },
    async nodeTypes() {
      return (await get<{ nodeTypes: NodeManifest[] }>('/api/node-types')).nodeTypes;
    },
    async listFlows() {
      return (await get<{ flows: FlowSummary[] }>('/api/flows')).flows;
    },
    /** Reads a flow and its ETag (the version the next save must match). */
    async getFlow(id: string) {
      const { data, response } = await request<FlowDocument>('GET', `/api/flows/${enc(id)}`);
      return { flow: data, etag: response.headers.get('etag') ?? '' };
    },
    async createFlow(body: { id?: string; name: string; template?: string; document?: FlowDocument }) {
      const { data, response } = await request<FlowDocument>('POST', '/api/flows', body);
      return { flow: data, etag: response.headers.get('etag') ?? '' };
    },
    /** Saves a flow; a stale ETag rejects with an ApiError whose status is 409. */
    async saveFlow(flow: FlowDocument, etag: string) {
      const { data, response } = await request<{ etag: string }>('PUT', `/api/flows/${enc(flow.id)}`, flow, {
        headers: { 'if-match': etag },
      });
      return data?.etag ?? response.headers.get('etag') ?? '';
    },
    deleteFlow: (id: string) => send<void>('DELETE', `/api/flows/${enc(id)}`),
    duplicateFlow: (id: string, body: { id?: string; name: string }) =>
      send<FlowDocument>('POST', `/api/flows/${enc(id)}/duplicate`, body),
    renameFlow: (id: string, name: string) => send<unknown>('POST', `/api/flows/${enc(id)}/rename`, { name }),
    validateFlow: (id: string, draft?: FlowDocument) =>
      send<LintResult>('POST', `/api/flows/${enc(id)}/validate`, draft),
    publishFlow: (id: string) =>
      send<{ version: number; hash: string; publishedAt: string }>('POST', `/api/flows/${enc(id)}/publish`),
    async listVersions(id: string) {
      return (await get<{ versions: FlowVersion[] }>(`/api/flows/${enc(id)}/versions`)).versions;
    },
    rollbackFlow: (id: string, version: number) =>
      send<{ version: number }>('POST', `/api/flows/${enc(id)}/rollback`, { version }),

    async listBots() {
      return (await get<{ bots: Bot[] }>('/api/bots')).bots;
    },
    createBot: (body: {
      name: string;
      phoneNumberId: string;
      flowId: string;
      flowVersion?: number;
      accessToken?: string;
    }) => send<Bot>('POST', '/api/bots', body),
    updateBot: (
      id: string,
      body: Partial<{
        name: string;
        phoneNumberId: string;
        flowId: string;
        flowVersion: number;
        accessToken: string;
      }>,
    ) => send<Bot>('PATCH', `/api/bots/${enc(id)}`, body),
    deleteBot: (id: string) => send<void>('DELETE', `/api/bots/${enc(id)}`),
    botHealth: (id: string) => get<BotHealth>(`/api/bots/${enc(id)}/health`),

    listConversations(filter: {
      botId?: string;
      status?: string;
      contact?: string;
      limit?: number;
      offset?: number;
    }) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filter))
        if (value !== undefined && value !== '') query.set(key, String(value));
      return get<{ items: ConversationSummary[]; total: number }>(`/api/conversations?${query}`);
    },
    getConversation: (id: string) => get<ConversationDetail>(`/api/conversations/${enc(id)}`),
    conversationAction: (id: string, action: 'reset' | 'handoff' | 'release') =>
      send<unknown>('POST', `/api/conversations/${enc(id)}/${action}`),
    sendOperatorMessage: (id: string, text: string) =>
      send<unknown>('POST', `/api/conversations/${enc(id)}/messages`, { text }),

    startPreview: (flow: FlowDocument, startNodeId?: string) =>
      send<{ sessionId: string; userId: string; phoneNumberId: string }>('POST', '/api/preview/sessions', {
        flow,
        ...(startNodeId ? { startNodeId } : {}),
      }),
    sendPreview: (sessionId: string, body: Record<string, unknown>) =>
      send<unknown>('POST', `/api/preview/sessions/${enc(sessionId)}/messages`, body),
    previewEvents: (sessionId: string, after: number, signal?: AbortSignal) =>
      get<PreviewEventsResponse>(`/api/preview/sessions/${enc(sessionId)}/events?after=${after}`, signal),
    restartPreview: (sessionId: string) =>
      send<unknown>('POST', `/api/preview/sessions/${enc(sessionId)}/restart`),
    endPreview: (sessionId: string) => send<void>('DELETE', `/api/preview/sessions/${enc(sessionId)}`),
    savePreviewAsTest: (sessionId: string) =>
      send<{ path: string }>('POST', `/api/preview/sessions/${enc(sessionId)}/save-test`),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
