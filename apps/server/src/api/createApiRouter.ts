import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { hasRole, type Actor } from '../auth/roles.js';
import { safeEqual } from '../auth/secrets.js';
import { HttpError } from '../http/HttpError.js';
import type { ApiDeps } from './ApiDeps.js';
import type { ApiRoute } from './defineRoute.js';

const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);

/** The request's own origin as the browser sees it (PUBLIC_URL when the server is behind a proxy). */
export function ownOrigin(req: Request, publicUrl: string | undefined): string {
  if (publicUrl) return new URL(publicUrl).origin;
  return `${req.protocol}://${req.get('host') ?? ''}`;
}

function parseInput<S extends z.ZodType>(
  schema: S | undefined,
  value: unknown,
  where: 'params' | 'query' | 'body',
): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // Shaped like flow issues (code, severity, message, path) so one client renderer shows both.
  const issues = result.error.issues.map((issue) => ({
    code: `request.${issue.code}`,
    severity: 'error' as const,
    message: issue.message,
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
  }));
  const first = issues[0];
  const place = where === 'body' ? 'The request' : where === 'query' ? 'The query' : 'The address';
  const at = first && first.path.length > 0 ? ` (${first.path.join('.')})` : '';
  throw new HttpError(
    400,
    `request.invalid_${where}`,
    `${place} is not valid${at}: ${first?.message ?? 'invalid input'}`,
    {
      ...(first ? { path: first.path } : {}),
      issues,
    },
  );
}

/**
 * Cross-site request defence for unsafe methods: a cross-site Fetch-Metadata or a foreign Origin
 * is refused for everyone; a cookie session must also echo its CSRF token in X-CSRF-Token.
 */
function checkCsrf(req: Request, actor: Actor | null, publicUrl: string | undefined): void {
  if (req.get('sec-fetch-site') === 'cross-site') {
    throw new HttpError(403, 'auth.cross_site', 'Requests from other websites are not allowed.');
  }
  const origin = req.get('origin');
  if (origin !== undefined && origin !== ownOrigin(req, publicUrl)) {
    throw new HttpError(403, 'auth.bad_origin', 'Requests from other websites are not allowed.');
  }
  if (actor?.session) {
    const token = req.get('x-csrf-token');
    if (!token || !safeEqual(token, actor.session.csrfToken)) {
      throw new HttpError(
        403,
        'auth.csrf',
        'The page is out of date (missing security token). Reload it and try again.',
      );
    }
  }
}

/**
 * Mounts the route table on a router: authentication, role check, CSRF, zod validation of
 * params/query/body, the handler, the audit entry for writes, and the response.
 */
export function createApiRouter(routes: readonly ApiRoute[], deps: ApiDeps): Router {
  const router = express.Router();
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      const unsafe = UNSAFE.has(route.method);
      const authResult = await deps.auth.authenticate(req);
      let actor: Actor | null = authResult.ok ? authResult.actor : null;
      if (route.access !== 'public') {
        if (!authResult.ok) {
          throw new HttpError(401, 'auth.invalid_token', 'The API token is not valid.', {
            headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
          });
        }
        if (!actor) throw new HttpError(401, 'auth.required', 'Please log in.');
        if (!hasRole(actor.role, route.access)) {
          throw new HttpError(
            403,
            'auth.forbidden',
            `This needs the ${route.access} role; you are ${actor.role}.`,
          );
        }
      } else if (!authResult.ok) {
        actor = null;
      }
      if (unsafe) checkCsrf(req, actor, deps.config.publicUrl);

      const params = parseInput(route.params, req.params, 'params');
      const query = parseInput(route.query, req.query, 'query');
      const body = unsafe ? parseInput(route.body, req.body, 'body') : undefined;

      const controller = new AbortController();
      res.on('close', () => controller.abort());
      const result = await route.handler({
        params,
        query,
        body,
        actor,
        req,
        res,
        deps,
        signal: controller.signal,
      });

      const auditActor = result.audit?.actor ?? actor?.label;
      if (unsafe && route.audit && auditActor && result.status < 400) {
        const target =
          result.audit?.target ??
          (params && typeof params === 'object' && 'id' in params ? String(params.id) : undefined);
        await deps.store.appendAudit({
          id: `aud_${randomBytes(9).toString('base64url')}`,
          at: deps.now(),
          actor: auditActor,
          action: route.audit,
          ...(target ? { target } : {}),
          ...(result.audit?.details ? { details: result.audit.details } : {}),
        });
      }
      if (res.headersSent || controller.signal.aborted) return;
      for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
      res.setHeader('Cache-Control', 'no-store');
      if (result.body === undefined) res.status(result.status).end();
      else res.status(result.status).json(result.body);
    });
  }
  return router;
}
