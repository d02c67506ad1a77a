import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ParleyMetrics } from '../metrics/createParleyMetrics.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** A per-request id (the caller's X-Request-Id when it is sane), also in every log line. */
    requestId: string;
    /** The logger bound to this request. */
    log: Logger;
  }
}

const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Request ids only have to be unique (they tie log lines together, they guard nothing): a random
 * prefix per process and a counter, instead of a random draw per request (1 % of a busy server).
 */
const ID_PREFIX = randomBytes(6).toString('hex');
let requestCounter = 0;

/** The caller's X-Request-Id when it is sane, else a fresh one. */
function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && SANE_ID.test(incoming)) return incoming;
  requestCounter += 1;
  return `${ID_PREFIX}-${requestCounter.toString(36)}`;
}

/**
 * Answers with X-Request-Id and, on finish, logs method, route, status and duration (never the
 * query string or body: they may hold personal data) and counts the request in the HTTP metrics.
 * `requestLog` is asked for only when the line is logged (a child logger is not free).
 */
export function trackRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    requestId: string;
    /** The server's logger (its level decides whether the line is logged at all). */
    log: Logger;
    requestLog: () => Logger;
    metrics: ParleyMetrics;
    route: () => string;
  },
): void {
  res.setHeader('X-Request-Id', options.requestId);
  const started = performance.now();
  res.on('finish', () => {
    const seconds = (performance.now() - started) / 1000;
    const method = req.method ?? 'GET';
    const route = options.route();
    options.metrics.httpRequests.inc({ method, route, status: String(res.statusCode) });
    options.metrics.httpRequestSeconds.observe(seconds, { method });
    const level = res.statusCode >= 500 ? 'error' : 'info';
    if (!options.log.isLevelEnabled(level)) return;
    const requestLog = options.requestLog();
    requestLog[level]({ method, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
  });
}

/**
 * Gives each request an id and a child logger, answers with X-Request-Id, and on finish logs
 * method, route, status and duration and counts it in the HTTP metrics (see `trackRequest`).
 */
export function requestContext(log: Logger, metrics: ParleyMetrics): RequestHandler {
  return (req, res, next) => {
    req.requestId = requestIdOf(req);
    req.log = log.child({ requestId: req.requestId });
    trackRequest(req, res, {
      requestId: req.requestId,
      log,
      requestLog: () => req.log,
      metrics,
      route: () => (req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || 'unmatched'),
    });
    next();
  };
}

/** The request context without Express (the webhook lane): the same header, log line and metrics. */
export function trackBareRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: { log: Logger; metrics: ParleyMetrics; route: string },
): void {
  const requestId = requestIdOf(req);
  let child: Logger | undefined;
  trackRequest(req, res, {
    requestId,
    log: options.log,
    requestLog: () => (child ??= options.log.child({ requestId })),
    metrics: options.metrics,
    route: () => options.route,
  });
}
