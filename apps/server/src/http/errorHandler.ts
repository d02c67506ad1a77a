import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { FLOW_ERROR_STATUS, FlowRepositoryError } from '../flows/FlowRepositoryError.js';
import { HttpError } from './HttpError.js';

/** Known error classes (flow repository, body-parser) mapped to HTTP errors; null for the unexpected. */
function toHttpError(error: unknown): HttpError | null {
  if (error instanceof FlowRepositoryError) {
    return new HttpError(FLOW_ERROR_STATUS[error.code], error.code, error.message, {
      ...(error.extra.path ? { path: error.extra.path } : {}),
      ...(error.extra.issues ? { issues: error.extra.issues } : {}),
    });
  }
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { status?: unknown; statusCode?: unknown; type?: unknown };
  const status =
    typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : null;
  if (status === null || status < 400 || status >= 500) return null;
  switch (e.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'request.invalid_json', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new HttpError(413, 'request.too_large', 'The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(
        415,
        'request.unsupported_encoding',
        'The request body encoding is not supported.',
      );
    default:
      return new HttpError(status, 'request.invalid', 'The request could not be read.');
  }
}

/**
 * The one place that turns errors into HTTP responses: HttpError as its JSON shape, framework
 * errors by their status, anything else as a 500 with a request id and never a stack trace.
 */
export function createErrorHandler(log: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = error instanceof HttpError ? error : toHttpError(error);
    const requestLog = (req as { log?: Logger }).log ?? log;
    if (res.headersSent) {
      requestLog.error({ err: error }, 'error after the response started');
      res.end();
      return;
    }
    if (known) {
      for (const [name, value] of Object.entries(known.headers)) res.setHeader(name, value);
      if (known.status >= 500) requestLog.error({ err: error }, 'request failed');
      res.status(known.status).json(known.toBody());
      return;
    }
    requestLog.error({ err: error }, 'unexpected error');
    const requestId = (req as { requestId?: string }).requestId;
    res.status(500).json({
      error: {
        code: 'internal',
        message: `Something went wrong on the server.${requestId ? ` Reference: ${requestId}.` : ''}`,
      },
    });
  };
}

/** 404 for any /api path no route matched, in the same JSON shape. */
export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(
    new HttpError(
      404,
      'route.not_found',
      `There is no API endpoint ${req.method} ${req.baseUrl}${req.path}.`,
    ),
  );
};
