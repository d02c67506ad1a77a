import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedMessage } from './conversationLog.js';
import type { Fault, FaultInjector } from './faultInjector.js';
import { graphError, type GraphErrorReply } from './graphError.js';
import { mediaRuleFor, parseMultipart, type MediaStore } from './mediaStore.js';
import type { OutboundDesk } from './outboundDesk.js';
import type { RateLimits } from './rateLimiter.js';
import type { SimulatedUserMessage } from './userMessage.js';

/** The simulator's own endpoints under `/_sim`, for a benchmark or a person driving it from outside. */
export interface ControlPlane {
  userSends(
    user: { waId?: string; bsuid?: string; name?: string },
    message: SimulatedUserMessage,
    phoneNumberId?: string,
  ): Promise<{ wamid: string; status: number }>;
  conversation(userId: string): RecordedMessage[];
  waitForReplies(userId: string, count?: number, timeoutMs?: number): Promise<RecordedMessage[]>;
  stats(): unknown;
  setRateLimits(limits: RateLimits | undefined): void;
}

/** Dependencies of {@link createGraphHandler}. */
export interface GraphHandlerDeps {
  accessToken?: string;
  faults: FaultInjector;
  desk: OutboundDesk;
  media: MediaStore;
  publicUrl(): string | undefined;
  numbers(): ReadonlyArray<{ phoneNumberId: string; displayPhoneNumber: string }>;
  control: ControlPlane;
}

const MAX_JSON_BYTES = 4 * 1024 * 1024;
const MAX_UPLOAD_BYTES = 110 * 1024 * 1024;

class BodyTooLarge extends Error {
  readonly code = 'body_too_large';
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge(`Request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The JSON body; reuses one a body parser already read when the handler is mounted behind one. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined && typeof parsed === 'object' && !Buffer.isBuffer(parsed))
    return parsed;
  return JSON.parse((await readBody(req, MAX_JSON_BYTES)).toString('utf8')) as unknown;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const sendGraphError = (res: ServerResponse, error: GraphErrorReply) =>
  sendJson(res, error.httpStatus, error.body);

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(token);
  return /^Bearer\s+/i.test(header) && given.length === expected.length && timingSafeEqual(given, expected);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The Graph API stand-in as a node:http request listener: `POST /{v}/{phone-number-id}/messages`,
 * `POST /{v}/{phone-number-id}/media`, `GET`/`DELETE /{v}/{media-id}`, the media download URL,
 * and `/_sim/*` control endpoints. The version segment is optional.
 */
export function createGraphHandler(
  deps: GraphHandlerDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const path = url.pathname;
    if (path.startsWith('/_sim/')) return control(req, res, path.slice('/_sim/'.length), url);

    if (deps.accessToken !== undefined && !bearerMatches(req, deps.accessToken)) {
      return sendGraphError(
        res,
        graphError(190, 'The access token could not be decrypted or is missing.', { httpStatus: 401 }),
      );
    }
    const segments = path
      .replace(/^\/(v\d+(\.\d+)?\/)?/, '')
      .split('/')
      .filter(Boolean);
    const method = req.method ?? 'GET';

    if (segments[0] === 'media-download' && segments[1] && method === 'GET') {
      const media = deps.media.get(segments[1]);
      if (!media) return sendJson(res, 404, { error: 'not found' });
      res.writeHead(200, { 'content-type': media.mimeType, 'content-length': media.data.byteLength });
      return void res.end(media.data);
    }
    if (
      segments.length === 2 &&
      method === 'POST' &&
      (segments[1] === 'messages' || segments[1] === 'media')
    ) {
      const phoneNumberId = segments[0] ?? '';
      if (!deps.desk.hosts(phoneNumberId)) {
        return sendGraphError(
          res,
          graphError(100, `Unsupported post request. Object with ID '${phoneNumberId}' does not exist.`, {
            subcode: 33,
          }),
        );
      }
      return segments[1] === 'messages' ? messages(req, res, phoneNumberId) : upload(req, res);
    }
    const number =
      segments.length === 1 && method === 'GET'
        ? deps.numbers().find((n) => n.phoneNumberId === segments[0])
        : undefined;
    if (number) {
      // GET /{phone-number-id}: what a client checks on startup (credentials, throughput level).
      return sendJson(res, 200, {
        verified_name: 'Parley Simulator',
        display_phone_number: number.displayPhoneNumber,
        id: number.phoneNumberId,
        quality_rating: 'GREEN',
        throughput: { level: 'STANDARD' },
      });
    }
    if (segments.length === 1 && (method === 'GET' || method === 'DELETE')) {
      const media = deps.media.get(segments[0] ?? '');
      if (!media) {
        return sendGraphError(
          res,
          graphError(
            100,
            `Unsupported ${method.toLowerCase()} request. Object with ID '${segments[0]}' does not exist.`,
            { subcode: 33 },
          ),
        );
      }
      if (method === 'DELETE') {
        deps.media.delete(media.id);
        return sendJson(res, 200, { success: true });
      }
      const base = deps.publicUrl() ?? `http://${req.headers.host ?? '127.0.0.1'}${mountPrefix(req)}`;
      return sendJson(res, 200, {
        messaging_product: 'whatsapp',
        url: `${base}/media-download/${media.id}`,
        mime_type: media.mimeType,
        sha256: media.sha256,
        file_size: String(media.data.byteLength),
        id: media.id,
      });
    }
    return sendGraphError(res, graphError(100, `Unknown path components: ${path}`));
  };

  const applyFaults = async (
    res: ServerResponse,
    req: IncomingMessage,
    hits: Fault[],
  ): Promise<Fault | undefined> => {
    for (const fault of hits) {
      if (fault.kind === 'latency') {
        await sleep(fault.ms);
        continue;
      }
      if (fault.kind === 'graph_error') {
        sendGraphError(
          res,
          graphError(fault.code, fault.details ?? 'Injected fault', {
            httpStatus: fault.httpStatus,
            subcode: fault.subcode,
          }),
        );
        return fault;
      }
      if (fault.kind === 'http_5xx') {
        const error = graphError(2, 'Injected server error; retry later.', {
          httpStatus: fault.httpStatus,
          transient: true,
        });
        sendGraphError(res, error);
        return fault;
      }
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return fault;
      }
      return fault; // stall_then_reset and failed_status: the caller accepts first.
    }
    return undefined;
  };

  const messages = async (req: IncomingMessage, res: ServerResponse, phoneNumberId: string) => {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return sendGraphError(res, graphError(100, 'The request body is too large.', { httpStatus: 413 }));
      return sendGraphError(res, graphError(100, 'The request body is not valid JSON.'));
    }
    const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const type =
      fields.status !== undefined ? 'mark_read' : typeof fields.type === 'string' ? fields.type : 'text';
    const to =
      typeof fields.to === 'string'
        ? fields.to
        : typeof fields.recipient === 'string'
          ? fields.recipient
          : undefined;
    const fault = await applyFaults(res, req, deps.faults.take({ type, to }));
    if (fault && fault.kind !== 'stall_then_reset' && fault.kind !== 'failed_status') return;
    const failWith =
      fault?.kind === 'failed_status' ? { code: fault.code, details: fault.details } : undefined;
    const result = deps.desk.handle(phoneNumberId, body, failWith);
    if (fault?.kind === 'stall_then_reset') {
      // Meta accepted (and will report statuses for) the message, but the answer never arrives.
      await sleep(fault.ms);
      req.socket.resetAndDestroy();
      return;
    }
    if (!result.ok) return sendGraphError(res, result.error);
    return sendJson(res, 200, result.body);
  };

  const upload = async (req: IncomingMessage, res: ServerResponse) => {
    const fault = await applyFaults(res, req, deps.faults.take({ type: 'media' }));
    if (fault) {
      if (fault.kind === 'stall_then_reset') req.socket.resetAndDestroy();
      return;
    }
    const boundary = /boundary="?([^";]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (!boundary) return sendGraphError(res, graphError(100, 'The upload must be multipart/form-data.'));
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_UPLOAD_BYTES);
    } catch {
      return sendGraphError(
        res,
        graphError(131053, 'The file is larger than any media type allows.', { httpStatus: 413 }),
      );
    }
    const parts = parseMultipart(raw, boundary);
    const field = (name: string) =>
      parts.find((p) => p.name === name && p.filename === undefined)?.data.toString('utf8');
    if (field('messaging_product') !== 'whatsapp') {
      return sendGraphError(res, graphError(100, 'The parameter messaging_product is required.'));
    }
    const file = parts.find((p) => p.name === 'file');
    if (!file) return sendGraphError(res, graphError(100, 'The parameter file is required.'));
    const mimeType = field('type') ?? file.contentType ?? '';
    const rule = mediaRuleFor(mimeType);
    if (!rule)
      return sendGraphError(
        res,
        graphError(
          131053,
          `Param file must be a file with one of the supported types; "${mimeType}" is not.`,
        ),
      );
    if (file.data.byteLength > rule.maxBytes) {
      return sendGraphError(
        res,
        graphError(
          131053,
          `The ${rule.kind} is ${file.data.byteLength} bytes; WhatsApp allows at most ${rule.maxBytes}.`,
        ),
      );
    }
    const stored = deps.media.put(new Uint8Array(file.data), mimeType);
    return sendJson(res, 200, { id: stored.id });
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string, url: URL) => {
    const method = req.method ?? 'GET';
    const json = async () =>
      JSON.parse((await readBody(req, MAX_JSON_BYTES)).toString('utf8') || '{}') as Record<string, unknown>;
    if (path === 'stats' && method === 'GET') return sendJson(res, 200, deps.control.stats());
    if (path === 'faults' && method === 'POST')
      return sendJson(res, 201, { id: deps.faults.inject((await json()) as never) });
    if (path === 'faults' && method === 'DELETE') {
      deps.faults.clear();
      return void res.writeHead(204).end();
    }
    if (path === 'rates' && method === 'PUT') {
      const body = await json();
      deps.control.setRateLimits(Object.keys(body).length ? (body as RateLimits) : undefined);
      return void res.writeHead(204).end();
    }
    if (path === 'send' && method === 'POST') {
      const body = await json();
      const result = await deps.control.userSends(
        body.user as { waId?: string },
        body.message as SimulatedUserMessage,
        typeof body.phoneNumberId === 'string' ? body.phoneNumberId : undefined,
      );
      return sendJson(res, 200, result);
    }
    const conversation = /^conversations\/([^/]+)$/.exec(path);
    if (conversation?.[1] && method === 'GET') {
      return sendJson(res, 200, { messages: deps.control.conversation(decodeURIComponent(conversation[1])) });
    }
    const replies = /^replies\/([^/]+)$/.exec(path);
    if (replies?.[1] && method === 'GET') {
      const count = Number(url.searchParams.get('count') ?? 1);
      const timeoutMs = Number(url.searchParams.get('timeoutMs') ?? 5000);
      return sendJson(res, 200, {
        messages: await deps.control.waitForReplies(decodeURIComponent(replies[1]), count, timeoutMs),
      });
    }
    return sendJson(res, 404, { error: `No simulator endpoint ${method} /_sim/${path}` });
  };

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const message = error instanceof Error ? error.message : String(error);
      sendJson(res, 400, { error: { message, type: 'SimulatorException', code: 100 } });
    });
  };
}

/** The path the handler is mounted under (Express sets `originalUrl`), for absolute media URLs. */
function mountPrefix(req: IncomingMessage): string {
  const original = (req as IncomingMessage & { originalUrl?: string }).originalUrl;
  if (!original || !req.url) return '';
  const prefix = original.split('?')[0] ?? '';
  const own = req.url.split('?')[0] ?? '';
  return prefix.endsWith(own) ? prefix.slice(0, prefix.length - own.length) : '';
}
