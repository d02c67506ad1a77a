import { randomBytes } from 'node:crypto';
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
 * Gives each request an id and a child logger, answers with X-Request-Id, and on finish logs
 * method, route, status and duration (never the query string or body: they may hold personal data)
 * and counts it in the HTTP metrics.
 */
export function requestContext(log: Logger, metrics: ParleyMetrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.requestId = incoming && SANE_ID.test(incoming) ? incoming : randomBytes(8).toString('hex');
    req.log = log.child({ requestId: req.requestId });
    res.setHeader('X-Request-Id', req.requestId);
    const started = performance.now();
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpRequestSeconds.observe(seconds, { method: req.method });
      const level = res.statusCode >= 500 ? 'error' : 'info';
      req.log[level](
        { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) },
        'request',
      );
    });
    next();
  };
}
