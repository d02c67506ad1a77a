import type { Request } from 'express';
import { z } from 'zod';
import { SESSION_COOKIE } from '../auth/createAuth.js';
import { HttpError } from '../http/HttpError.js';
import { defineRoute, type ApiRoute } from './defineRoute.js';
import { newPasswordSchema, userViewSchema } from './schemas.js';
import { userView } from './usersRoutes.js';

/** How long the browser keeps the cookie; the server also expires sessions left idle (SESSION_IDLE_HOURS). */
const COOKIE_MAX_AGE_MS = 7 * 24 * 3_600_000;

function isHttps(req: Request, publicUrl: string | undefined): boolean {
  return req.secure || (publicUrl?.startsWith('https://') ?? false);
}

const sessionView = z
  .object({ user: userViewSchema, csrfToken: z.string().nullable() })
  .meta({ id: 'Session' });

/** Login, logout, who am I, change my password. */
export const authRoutes: ApiRoute[] = [
  defineRoute({
    method: 'post',
    path: '/auth/login',
    tag: 'Auth',
    summary: 'Log in',
    description:
      'Sets the `parley_session` cookie (HttpOnly, SameSite=Strict, Secure over https). Send the returned csrfToken as `X-CSRF-Token` with every change. Throttled per IP and email.',
    access: 'public',
    body: z.object({
      email: z.string().trim().min(1, { error: 'Enter your email' }).max(320),
      password: z.string().min(1, { error: 'Enter your password' }).max(200),
    }),
    responses: { 200: { description: 'Logged in', schema: sessionView } },
    errors: [401, 429],
    audit: 'auth.login',
    handler: async ({ deps, body, req, res }) => {
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const result = await deps.auth.login(body.email, body.password, ip);
      if (!result.ok && result.reason === 'throttled') {
        throw new HttpError(
          429,
          'auth.throttled',
          `Too many failed attempts. Try again in ${Math.ceil(result.retryAfterSeconds / 60)} minute(s).`,
          { headers: { 'Retry-After': String(result.retryAfterSeconds) } },
        );
      }
      if (!result.ok) {
        deps.log.info({ ip }, 'login failed');
        throw new HttpError(401, 'auth.invalid_credentials', 'The email or password is not right.');
      }
      res.cookie(SESSION_COOKIE, result.sessionId, {
        httpOnly: true,
        sameSite: 'strict',
        secure: isHttps(req, deps.config.publicUrl),
        path: '/',
        maxAge: COOKIE_MAX_AGE_MS,
      });
      return {
        status: 200,
        body: { user: userView(result.user), csrfToken: result.csrfToken },
        audit: { actor: `user:${result.user.email}`, target: result.user.id },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/logout',
    tag: 'Auth',
    summary: 'Log out',
    description: 'Ends the session (cookie sessions need the X-CSRF-Token header, like every change).',
    access: 'public',
    responses: { 204: { description: 'Logged out' } },
    audit: 'auth.logout',
    handler: async ({ deps, actor, req, res }) => {
      if (actor) await deps.auth.logout(actor);
      res.clearCookie(SESSION_COOKIE, {
        httpOnly: true,
        sameSite: 'strict',
        secure: isHttps(req, deps.config.publicUrl),
        path: '/',
      });
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/auth/me',
    tag: 'Auth',
    summary: 'Who is logged in',
    description: 'For a cookie session, also the CSRF token (null for bearer tokens, which need none).',
    access: 'viewer',
    responses: { 200: { description: 'The user', schema: sessionView } },
    handler: async ({ actor }) => ({
      status: 200,
      body: {
        user: {
          id: actor.id,
          email: actor.email ?? actor.label,
          ...(actor.name ? { name: actor.name } : {}),
          role: actor.role,
        },
        csrfToken: actor.session?.csrfToken ?? null,
      },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/auth/password',
    tag: 'Auth',
    summary: 'Change my password',
    access: 'viewer',
    body: z.object({ currentPassword: z.string().min(1).max(200), newPassword: newPasswordSchema }),
    responses: { 204: { description: 'Changed' } },
    errors: [403],
    audit: 'auth.password_change',
    handler: async ({ deps, actor, body }) => {
      const user = actor.kind === 'user' ? await deps.store.getUser(actor.id) : null;
      if (!user) throw new HttpError(403, 'auth.not_a_user', 'API tokens have no password to change.');
      if (!(await deps.auth.verifyPassword(body.currentPassword, user.passwordHash))) {
        throw new HttpError(403, 'auth.wrong_password', 'The current password is not right.', {
          path: ['currentPassword'],
        });
      }
      await deps.store.saveUser({ ...user, passwordHash: await deps.auth.hashPassword(body.newPassword) });
      return { status: 204 };
    },
  }),
];
