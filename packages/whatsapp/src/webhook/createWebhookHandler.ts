import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InboxRecord } from '@parley/flow';
import { silentLogger, type Clock, type Logger } from '../ports.js';
import { handleSubscription } from './handleSubscription.js';
import { inboxRecordsFromWebhook } from './inboxRecordsFromWebhook.js';
import { parseWebhook, type MessageStatusEvent, type ParsedWebhookEvent } from './parseWebhook.js';
import { readRawBody } from './readRawBody.js';
import { verifySignature } from './verifySignature.js';

/** Meta's documented maximum webhook payload. */
export const META_MAX_WEBHOOK_BYTES = 3 * 1024 * 1024;

/** The durable inbox, structurally the Store's method of the same name. */
export interface WebhookInbox {
  /** Appends records, ignoring ids already present; resolves with the new ids once durable. */
  appendInbox(records: InboxRecord[]): Promise<string[]>;
}

/** Applies delivery statuses to the outbox; resolves once the change is durable. */
export interface WebhookStatusTarget {
  applyStatuses(events: MessageStatusEvent[]): Promise<unknown>;
}

/** Anything that can take a verified raw body off our hands without delaying the answer. */
export interface WebhookForwardTarget {
  forward(rawBody: Buffer): unknown;
}

export interface WebhookHandlerOptions {
  /** Every app secret whose signature is accepted (rotation, several apps on one WABA). */
  appSecrets: readonly string[];
  /** The verify token typed into Meta's dashboard, for the GET handshake. */
  verifyToken: string;
  inbox: WebhookInbox;
  /**
   * Where `sent`, `delivered`, `read` (and `played`) statuses go, applied before the 200, instead
   * of through the inbox (they go there only when applying fails). Without it every status goes
   * to the inbox. See `splitDirectStatuses`.
   */
  statuses?: WebhookStatusTarget;
  /** Called after the 200 with the ids that were new, so the server can wake its inbox worker. */
  onAccepted?: (newIds: string[], events: ParsedWebhookEvent[]) => void;
  log?: Logger;
  /** @default 3 MB (Meta's cap) */
  maxBodyBytes?: number;
  /** A slow client gets 408 after this long. @default 10_000 */
  bodyTimeoutMs?: number;
  forwarder?: WebhookForwardTarget;
  /** @default Date.now */
  clock?: Clock;
}

/** A request handler usable with node:http directly or as Express middleware. */
export type WebhookRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Thrown at construction when the handler could never accept anything. */
export class WebhookConfigError extends Error {
  readonly code = 'webhook.no_app_secret';
  constructor(message: string) {
    super(message);
    this.name = 'WebhookConfigError';
  }
}

function send(res: ServerResponse, status: number, body: string, close = false): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  if (close) res.setHeader('Connection', 'close');
  res.end(body);
}

/** Answers, then drops the connection: the rest of an oversized or stalled body is never read. */
function refuseAndClose(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
  send(res, status, body, true);
  res.once('finish', () => req.destroy());
}

/** A refused body of a declared size up to this is read and dropped before the answer… */
const DRAIN_REFUSED_MAX_BYTES = 16 * 1024 * 1024;
/** …for at most this long (a client may wait for the answer before it sends the body). */
const DRAIN_REFUSED_MS = 2_000;

/**
 * Refuses a request before reading its body. Answering and hanging up with the client's bytes
 * unread makes the kernel answer them with a reset, which can reach the client before our status
 * does: it then sees a broken connection (EPIPE, ECONNRESET) instead of a 413 or 415. So a body of
 * a declared size up to DRAIN_REFUSED_MAX_BYTES is read and dropped first, then answered; one that
 * has not arrived within DRAIN_REFUSED_MS, or a bigger one, is answered and cut off at once.
 */
function refuseDraining(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
  const declared = Number(req.headers['content-length']);
  if (!Number.isFinite(declared) || declared > DRAIN_REFUSED_MAX_BYTES) {
    refuseAndClose(req, res, status, body);
    return;
  }
  let answered = false;
  const answer = () => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    refuseAndClose(req, res, status, body);
  };
  const timer = setTimeout(answer, DRAIN_REFUSED_MS);
  req.once('end', answer);
  req.once('error', () => clearTimeout(timer));
  req.resume();
}

/**
 * Separates the statuses applied at once from the records for the inbox. A `sent`, `delivered`,
 * `read` or `played` only moves an outbox row forward, so applying it again (Meta redelivers a
 * webhook it got no 200 for) changes nothing, and it needs no place in its conversation's order:
 * it skips the inbox row, its claim and its done mark, three of the four inbox rows of a typical
 * reply. A `failed` goes to the inbox: it may schedule a resend, a decision taken once, in order.
 */
function splitDirectStatuses(all: InboxRecord[]): { records: InboxRecord[]; statuses: InboxRecord[] } {
  const records: InboxRecord[] = [];
  const statuses: InboxRecord[] = [];
  for (const record of all) {
    const { event } = record;
    if (event.type === 'message.status' && event.status !== 'failed') statuses.push(record);
    else records.push(record);
  }
  return { records, statuses };
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** Express's `express.raw()` leaves a Buffer on `req.body`; reuse it rather than failing. */
function preReadBody(req: IncomingMessage): Buffer | undefined {
  const body = (req as IncomingMessage & { body?: unknown }).body;
  return Buffer.isBuffer(body) ? body : undefined;
}

/**
 * The `/webhook` endpoint: the GET handshake, and POST in the order verify → parse → append to
 * the durable inbox (deduplicated), and apply delivery statuses when `statuses` is set → 200 →
 * `onAccepted`. Bad input gets 4xx and stores nothing; a valid envelope with things Parley does
 * not handle is answered 200 and logged.
 * @example app.use('/webhook', createWebhookHandler({ appSecrets: [secret], verifyToken, inbox: store }));
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookRequestHandler {
  const secrets = options.appSecrets.filter((secret) => secret.length > 0);
  if (secrets.length === 0) {
    throw new WebhookConfigError('The webhook needs at least one app secret to verify Meta’s signatures.');
  }
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const maxBytes = options.maxBodyBytes ?? META_MAX_WEBHOOK_BYTES;
  const timeoutMs = options.bodyTimeoutMs ?? 10_000;

  /**
   * Applies the statuses at once; when that fails (the database briefly unreachable, a deadlock
   * victim), queues them in the inbox instead, where the worker retries them: either way they are
   * durable before the 200. Resolves with the ids that went to the inbox as new.
   */
  async function applyStatusesOrQueue(statuses: InboxRecord[]): Promise<string[]> {
    if (statuses.length === 0 || !options.statuses) return [];
    try {
      await options.statuses.applyStatuses(statuses.map((record) => record.event as MessageStatusEvent));
      return [];
    } catch (error) {
      log.warn({ err: error, statuses: statuses.length }, 'statuses not applied; queued in the inbox');
      return options.inbox.appendInbox(statuses);
    }
  }

  async function handlePost(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isJsonContentType(req.headers['content-type'])) {
      log.warn({ reason: 'content_type' }, 'webhook refused: not application/json');
      refuseDraining(req, res, 415, 'Unsupported Media Type');
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      log.warn({ reason: 'too_large', bytes: declared }, 'webhook refused: body over the size cap');
      refuseDraining(req, res, 413, 'Payload Too Large');
      return;
    }
    let raw = preReadBody(req);
    if (raw === undefined) {
      if (req.readableEnded) {
        log.error(
          { reason: 'body_consumed' },
          'webhook body already consumed: mount the handler before body parsers',
        );
        send(res, 500, 'Internal Server Error');
        return;
      }
      const read = await readRawBody(req, { maxBytes, timeoutMs });
      if (!read.ok) {
        log.warn({ reason: read.reason }, 'webhook refused while reading the body');
        if (read.reason === 'too_large') refuseAndClose(req, res, 413, 'Payload Too Large');
        else if (read.reason === 'timeout') refuseAndClose(req, res, 408, 'Request Timeout');
        else req.destroy();
        return;
      }
      raw = read.body;
    }
    if (raw.length > maxBytes) {
      refuseAndClose(req, res, 413, 'Payload Too Large');
      return;
    }

    const signature = verifySignature(raw, req.headers['x-hub-signature-256'], secrets);
    if (!signature.ok) {
      log.warn({ reason: `signature_${signature.reason}` }, 'webhook refused: bad signature');
      send(res, 401, 'Unauthorized');
      return;
    }

    const parsed = parseWebhook(raw);
    if (!parsed.ok) {
      if (parsed.error.code === 'invalid_json') {
        log.warn({ reason: 'invalid_json' }, 'webhook refused: signed body is not JSON');
        send(res, 400, 'Bad Request');
        return;
      }
      // Signed by Meta but not an envelope we know: retrying for 7 days would not help.
      log.warn(
        { reason: parsed.error.code, bytes: raw.length },
        'signed webhook is not an envelope; ignored',
      );
      send(res, 200, 'OK');
      options.forwarder?.forward(raw);
      return;
    }
    for (const item of parsed.ignored) log.info({ ...item }, 'webhook item ignored');
    for (const item of parsed.events) {
      if (item.kind === 'error') {
        log.warn(
          { phoneNumberId: item.phoneNumberId, codes: item.errors.map((e) => e.code) },
          'WhatsApp reported an account-level error',
        );
      }
    }

    const all = inboxRecordsFromWebhook(parsed.events, clock());
    const { records, statuses } = options.statuses
      ? splitDirectStatuses(all)
      : { records: all, statuses: [] as InboxRecord[] };
    let newIds: string[] = [];
    try {
      const [ids, queued] = await Promise.all([
        records.length > 0 ? options.inbox.appendInbox(records) : [],
        applyStatusesOrQueue(statuses),
      ]);
      newIds = [...ids, ...queued];
    } catch (error) {
      // Not stored, so not acknowledged: Meta's retry is what saves the message (what was stored
      // is deduplicated then, and a status applied twice changes nothing).
      log.error(
        { err: error, records: records.length, statuses: statuses.length },
        'webhook could not be stored; Meta will retry',
      );
      send(res, 500, 'Internal Server Error');
      return;
    }
    send(res, 200, 'OK');
    log.debug({ events: records.length, new: newIds.length, statuses: statuses.length }, 'webhook accepted');
    try {
      options.onAccepted?.(newIds, parsed.events);
    } catch (error) {
      log.error({ err: error }, 'onAccepted failed');
    }
    try {
      options.forwarder?.forward(raw);
    } catch (error) {
      log.error({ err: error }, 'webhook forwarding failed to enqueue');
    }
  }

  return (req, res) => {
    const done = (error: unknown) => {
      log.error({ err: error }, 'webhook handler failed');
      send(res, 500, 'Internal Server Error');
    };
    try {
      if (req.method === 'GET') {
        const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
        const answer = handleSubscription(query, options.verifyToken);
        if (answer.status !== 200) log.warn({ reason: 'handshake' }, 'webhook handshake refused');
        send(res, answer.status, answer.body);
        return;
      }
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'GET, POST');
        refuseAndClose(req, res, 405, 'Method Not Allowed');
        return;
      }
      handlePost(req, res).catch(done);
    } catch (error) {
      done(error);
    }
  };
}
