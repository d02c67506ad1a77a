import type { OutboundMessage } from '@parley/flow';
import { WHATSAPP_LIMITS } from '@parley/flow';
import type { FetchLike } from '../ports.js';
import { GraphError, parseGraphError } from './GraphError.js';
import { fetchTransport, pooledHttpTransport, type GraphTransport } from './graphTransport.js';
import { toGraphMessage } from './toGraphMessage.js';

/** The current stable Graph API version Meta's WhatsApp examples use (PROTOCOL.md §8). */
export const DEFAULT_GRAPH_API_VERSION = 'v25.0';
export const DEFAULT_GRAPH_API_BASE_URL = 'https://graph.facebook.com';

export interface GraphClientOptions {
  /** `GRAPH_API_BASE_URL`. @default 'https://graph.facebook.com' */
  baseUrl?: string;
  /** `GRAPH_API_VERSION`, with or without the leading `v`. @default 'v25.0' */
  version?: string;
  accessToken: string;
  /**
   * Sends through this Fetch API instead (a proxy, a test double). @default undici's keep-alive
   * connection pools, shared by every client
   */
  fetch?: FetchLike;
  /**
   * Sends through this transport (`createThreadTransport().send`: the exchanges on a worker
   * thread) unless `fetch` is given. @default `pooledHttpTransport`, on the event loop
   */
  transport?: GraphTransport;
  /** Per request. @default 15_000 */
  timeoutMs?: number;
  /** Largest media download accepted. @default 100 MB (Meta's document limit) */
  maxDownloadBytes?: number;
  /** @default 'Parley/0.1 (+https://github.com/parley)' */
  userAgent?: string;
}

export type GraphResult<T> = ({ ok: true } & T) | { ok: false; error: GraphError };

export interface SendOptions {
  /** The wamid to quote (reply context). */
  replyTo?: string;
  /** Echoed in status webhooks as `biz_opaque_callback_data` (≤ 512 characters). */
  callbackData?: string;
}

export interface MediaInfo {
  url: string;
  mimeType?: string;
  sha256?: string;
  fileSize?: number;
  id?: string;
}

/** A typed client for the WhatsApp Cloud API's Graph endpoints. */
export interface GraphClient {
  /** Sends one message; `to` is a wa_id / phone number, or a BSUID (`CC.…`). */
  sendMessage(
    phoneNumberId: string,
    to: string,
    message: OutboundMessage,
    options?: SendOptions,
  ): Promise<GraphResult<{ wamid: string; waId?: string }>>;
  /** Marks an inbound message (and the ones before it) read; `typing` also shows the typing indicator. */
  markRead(
    phoneNumberId: string,
    wamid: string,
    options?: { typing?: boolean },
  ): Promise<GraphResult<object>>;
  uploadMedia(
    phoneNumberId: string,
    file: { data: Uint8Array; mimeType: string; filename?: string },
  ): Promise<GraphResult<{ mediaId: string }>>;
  /** Resolves a media id to a short-lived (5 min) download URL. */
  getMediaUrl(
    mediaId: string,
    options?: { phoneNumberId?: string },
  ): Promise<GraphResult<{ media: MediaInfo }>>;
  /** Resolves the id and downloads the bytes with the token. */
  downloadMedia(
    mediaId: string,
    options?: { phoneNumberId?: string },
  ): Promise<GraphResult<{ data: Buffer; mimeType?: string; sha256?: string }>>;
}

/** A BSUID (`US.1349…`, `US.ENT.…`) goes in `recipient`; a phone number in `to`, with its `+`. */
function addressing(to: string): Record<string, string> {
  if (/^[A-Z]{2}\.[A-Za-z0-9.]+$/.test(to)) return { recipient: to };
  // Without the `+`, Meta may prepend the business number's country code (PROTOCOL.md §5.1).
  return { to: /^\d+$/.test(to) ? `+${to}` : to };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** Codes of failures that happen before a byte is sent, when resending is safe. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_INVALID_URL',
]);

function transportError(error: unknown, what: string): GraphError {
  if (isAbort(error)) {
    return new GraphError({
      message: `${what} timed out`,
      transport: 'timeout',
      ambiguous: true,
      cause: error,
    });
  }
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: string } | undefined)?.code;
  return new GraphError({
    message: `${what} failed: ${code ?? (error instanceof Error ? error.message : 'network error')}`,
    transport: 'network',
    ambiguous: code === undefined || !NOT_SENT_CODES.has(code),
    cause: error,
  });
}

/**
 * Creates a Graph API client bound to one access token.
 * @example
 * const graph = createGraphClient({ accessToken, baseUrl: env.GRAPH_API_BASE_URL, version: env.GRAPH_API_VERSION });
 * const sent = await graph.sendMessage(phoneNumberId, '15557654321', { type: 'text', text: 'Hi' });
 */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const baseUrl = (options.baseUrl ?? DEFAULT_GRAPH_API_BASE_URL).replace(/\/+$/, '');
  const rawVersion = options.version ?? DEFAULT_GRAPH_API_VERSION;
  const version = rawVersion.startsWith('v') ? rawVersion : `v${rawVersion}`;
  const transport: GraphTransport = options.fetch
    ? fetchTransport(options.fetch)
    : (options.transport ?? pooledHttpTransport);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxDownloadBytes = options.maxDownloadBytes ?? 100 * 1024 * 1024;
  const userAgent = options.userAgent ?? 'Parley/0.1';
  const auth = { Authorization: `Bearer ${options.accessToken}`, 'User-Agent': userAgent };
  const url = (path: string) => `${baseUrl}/${version}/${path.split('/').map(encodeURIComponent).join('/')}`;

  async function call(
    what: string,
    target: string,
    init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<{ ok: true; json: Record<string, unknown> } | { ok: false; error: GraphError }> {
    let status: number;
    let text: string | null;
    try {
      const response = await transport({
        url: target,
        method: init.method,
        headers: { ...auth, ...init.headers },
        ...(init.body !== undefined && { body: init.body }),
        timeoutMs,
        // Graph's JSON answers are small; the cap only guards against a broken proxy.
        maxBytes: maxDownloadBytes,
      });
      status = response.status;
      text = response.body?.toString('utf8') ?? null;
    } catch (error) {
      return { ok: false, error: transportError(error, what) };
    }
    if (status < 200 || status > 299) return { ok: false, error: parseGraphError(status, text ?? '') };
    try {
      const json: unknown = text === null ? null : JSON.parse(text);
      if (json !== null && typeof json === 'object')
        return { ok: true, json: json as Record<string, unknown> };
    } catch {
      // fall through: a 2xx that is not JSON is a broken proxy, not Meta.
    }
    return {
      ok: false,
      error: new GraphError({
        message: `${what}: Graph answered HTTP ${status} with an unreadable body`,
        httpStatus: status,
        transport: 'invalid_response',
        ambiguous: true,
      }),
    };
  }

  const postJson = (what: string, path: string, body: unknown) =>
    call(what, url(path), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function getMediaUrl(mediaId: string, opts: { phoneNumberId?: string } = {}) {
    const query = opts.phoneNumberId ? `?phone_number_id=${encodeURIComponent(opts.phoneNumberId)}` : '';
    const result = await call('media lookup', `${url(mediaId)}${query}`, { method: 'GET' });
    if (!result.ok) return result;
    const { url: mediaUrl, mime_type, sha256, file_size, id } = result.json;
    if (typeof mediaUrl !== 'string') {
      return {
        ok: false as const,
        error: new GraphError({
          message: 'media lookup: no url in the answer',
          transport: 'invalid_response',
        }),
      };
    }
    const size = Number(file_size);
    const media: MediaInfo = {
      url: mediaUrl,
      ...(typeof mime_type === 'string' && { mimeType: mime_type }),
      ...(typeof sha256 === 'string' && { sha256 }),
      ...(Number.isFinite(size) && file_size !== undefined && { fileSize: size }),
      ...(typeof id === 'string' && { id }),
    };
    return { ok: true as const, media };
  }

  return {
    async sendMessage(phoneNumberId, to, message, sendOptions = {}) {
      const converted = toGraphMessage(message);
      const callbackData = sendOptions.callbackData;
      const issues = converted.ok ? [] : converted.issues;
      if (callbackData !== undefined && [...callbackData].length > WHATSAPP_LIMITS.callbackData) {
        issues.push({
          code: 'too_long',
          path: ['callbackData'],
          message: 'The callback data is over 512 characters.',
        });
      }
      if (!converted.ok || issues.length > 0) {
        return {
          ok: false,
          error: new GraphError({
            message: issues.map((issue) => issue.message).join(' '),
            code: 100,
            transport: 'local_validation',
            details: JSON.stringify(issues.map(({ code, path }) => ({ code, path }))),
          }),
        };
      }
      const body = {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        ...addressing(to),
        ...converted.body,
        ...(sendOptions.replyTo !== undefined && { context: { message_id: sendOptions.replyTo } }),
        ...(callbackData !== undefined && { biz_opaque_callback_data: callbackData }),
      };
      const result = await postJson('send', `${phoneNumberId}/messages`, body);
      if (!result.ok) return result;
      const messages = result.json.messages;
      const first = Array.isArray(messages) ? (messages[0] as { id?: unknown } | undefined) : undefined;
      if (typeof first?.id !== 'string') {
        return {
          ok: false,
          // Accepted or not, we cannot tell: the status webhook will say (callback data).
          error: new GraphError({
            message: 'send: Graph answered without a message id',
            httpStatus: 200,
            transport: 'invalid_response',
            ambiguous: true,
          }),
        };
      }
      const contacts = result.json.contacts;
      const waId = Array.isArray(contacts)
        ? (contacts[0] as { wa_id?: unknown } | undefined)?.wa_id
        : undefined;
      return { ok: true, wamid: first.id, ...(typeof waId === 'string' && { waId }) };
    },

    async markRead(phoneNumberId, wamid, readOptions = {}) {
      const result = await postJson('mark read', `${phoneNumberId}/messages`, {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: wamid,
        ...(readOptions.typing && { typing_indicator: { type: 'text' } }),
      });
      return result.ok ? { ok: true } : result;
    },

    async uploadMedia(phoneNumberId, file) {
      const form = new FormData();
      form.set('messaging_product', 'whatsapp');
      form.set('type', file.mimeType);
      form.set(
        'file',
        new Blob([new Uint8Array(file.data)], { type: file.mimeType }),
        file.filename ?? 'file',
      );
      // The Fetch API encodes the multipart body (boundary included); any transport sends the bytes.
      const encoded = new Response(form);
      const result = await call('media upload', url(`${phoneNumberId}/media`), {
        method: 'POST',
        headers: { 'Content-Type': encoded.headers.get('content-type') ?? 'multipart/form-data' },
        body: Buffer.from(await encoded.arrayBuffer()),
      });
      if (!result.ok) return result;
      const id = result.json.id;
      if (typeof id !== 'string') {
        return {
          ok: false,
          error: new GraphError({
            message: 'media upload: no id in the answer',
            transport: 'invalid_response',
          }),
        };
      }
      return { ok: true, mediaId: id };
    },

    getMediaUrl,

    async downloadMedia(mediaId, downloadOptions = {}) {
      const resolved = await getMediaUrl(mediaId, downloadOptions);
      if (!resolved.ok) return resolved;
      const { media } = resolved;
      if (media.fileSize !== undefined && media.fileSize > maxDownloadBytes) {
        return {
          ok: false,
          error: new GraphError({
            message: `media download: ${media.fileSize} bytes is over the limit`,
            transport: 'local_validation',
          }),
        };
      }
      try {
        const response = await transport({
          url: media.url,
          method: 'GET',
          headers: auth,
          timeoutMs,
          maxBytes: maxDownloadBytes,
        });
        const data = response.body;
        if (response.status < 200 || response.status > 299)
          return { ok: false, error: parseGraphError(response.status, data?.toString('utf8') ?? '') };
        if (data === null) {
          return {
            ok: false,
            error: new GraphError({
              message: 'media download: file over the limit',
              transport: 'local_validation',
            }),
          };
        }
        return {
          ok: true,
          data,
          ...((media.mimeType ?? response.header('content-type')) && {
            mimeType: media.mimeType ?? response.header('content-type'),
          }),
          ...(media.sha256 !== undefined && { sha256: media.sha256 }),
        };
      } catch (error) {
        return { ok: false, error: transportError(error, 'media download') };
      }
    },
  };
}
