import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ParleyMetrics } from '../metrics/createParleyMetrics.js';
import { trackBareRequest } from './requestContext.js';
import { isSecureRequest, setSecurityHeaders } from './securityHeaders.js';

/**
 * Meta's webhook straight from `node:http`, ahead of Express: at hundreds of webhooks a second,
 * Express's router and per-request set-up cost more CPU than verifying and storing the webhook.
 * The answer is the same as through the app (request id, security headers, request log line and
 * HTTP metrics); any other path (`/webhook/`, `/WEBHOOK` included) goes to the app unchanged.
 * @example createServer(withWebhookLane(app, { webhookHandler, log, metrics, https: false, trustProxy: 0 }))
 */
export function withWebhookLane(
  app: RequestListener,
  options: {
    webhookHandler: (req: IncomingMessage, res: ServerResponse) => void;
    log: Logger;
    metrics: ParleyMetrics;
    /** The public URL is https (HSTS on every answer). */
    https: boolean;
    trustProxy: number;
  },
): RequestListener {
  return (req, res) => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    if ((query < 0 ? url : url.slice(0, query)) !== '/webhook') {
      app(req, res);
      return;
    }
    trackBareRequest(req, res, { log: options.log, metrics: options.metrics, route: '/webhook' });
    setSecurityHeaders(res, options.https || isSecureRequest(req, options.trustProxy));
    options.webhookHandler(req, res);
  };
}
