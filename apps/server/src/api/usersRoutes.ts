import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { roleSchema, type UserRecord } from '@parley/store';
import { HttpError } from '../http/HttpError.js';
import { defineRoute, type ApiRoute } from './defineRoute.js';
import { emailSchema, idParams, newPasswordSchema, userViewSchema } from './schemas.js';

export function userView(user: UserRecord): z.output<typeof userViewSchema> {
  return { id: user.id, email: user.email, ...(user.name ? { name: user.name } : {}), role: user.role };
}

const tokenView = z
  .object({
    id: z.string(),
    name: z.string(),
    role: roleSchema,
    createdBy: z.string().optional(),
    createdAt: z.number(),
    lastUsedAt: z.number().optional(),
  })
  .meta({ id: 'ApiToken' });

/** Users and API tokens (owner only). */
export const usersRoutes: ApiRoute[] = [
  defineRoute({
    method: 'get',
    path: '/users',
    tag: 'Users',
    summary: 'List users',
    access: 'owner',
    responses: { 200: { description: 'The users', schema: z.object({ users: z.array(userViewSchema) }) } },
    handler: async ({ deps }) => ({
      status: 200,
      body: { users: (await deps.store.listUsers()).map(userView) },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/users',
    tag: 'Users',
    summary: 'Add a user',
    access: 'owner',
    body: z.object({
      email: emailSchema,
      password: newPasswordSchema,
      role: roleSchema,
      name: z.string().trim().min(1).max(120).optional(),
    }),
    responses: { 201: { description: 'The user', schema: userViewSchema } },
    errors: [409],
    audit: 'user.create',
    handler: async ({ deps, body }) => {
      if (await deps.store.getUserByEmail(body.email)) {
        throw new HttpError(409, 'user.exists', `There is already a user ${body.email}.`, {
          path: ['email'],
        });
      }
      const user: UserRecord = {
        id: `usr_${randomBytes(9).toString('base64url')}`,
        email: body.email,
        ...(body.name ? { name: body.name } : {}),
        role: body.role,
        passwordHash: await deps.auth.hashPassword(body.password),
        createdAt: deps.now(),
      };
      await deps.store.saveUser(user);
      return {
        status: 201,
        body: userView(user),
        audit: { target: user.id, details: { email: user.email, role: user.role } },
      };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/users/:id',
    tag: 'Users',
    summary: "Change a user's role, name or password",
    access: 'owner',
    params: idParams,
    body: z
      .object({ role: roleSchema, name: z.string().trim().min(1).max(120), password: newPasswordSchema })
      .partial(),
    responses: { 200: { description: 'The user', schema: userViewSchema } },
    errors: [404, 409],
    audit: 'user.update',
    handler: async ({ deps, params, body }) => {
      const user = await deps.store.getUser(params.id);
      if (!user) throw new HttpError(404, 'user.not_found', 'There is no such user.');
      if (body.role && body.role !== 'owner' && user.role === 'owner') {
        const owners = (await deps.store.listUsers()).filter((u) => u.role === 'owner');
        if (owners.length <= 1) {
          throw new HttpError(
            409,
            'user.last_owner',
            'This is the only owner; make someone else owner first.',
            { path: ['role'] },
          );
        }
      }
      const next: UserRecord = {
        ...user,
        ...(body.role ? { role: body.role } : {}),
        ...(body.name ? { name: body.name } : {}),
        ...(body.password ? { passwordHash: await deps.auth.hashPassword(body.password) } : {}),
      };
      await deps.store.saveUser(next);
      return {
        status: 200,
        body: userView(next),
        audit: {
          details: {
            changed: Object.keys(body)
              .filter((k) => k !== 'password')
              .concat(body.password ? ['password'] : []),
          },
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tokens',
    tag: 'Users',
    summary: 'List API tokens',
    description: 'Names, roles and dates; the tokens themselves are never shown again.',
    access: 'owner',
    responses: { 200: { description: 'The tokens', schema: z.object({ tokens: z.array(tokenView) }) } },
    handler: async ({ deps }) => ({
      status: 200,
      body: {
        tokens: (await deps.store.listApiTokens()).map(({ hash: _hash, ...rest }) => rest),
      },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/tokens',
    tag: 'Users',
    summary: 'Create an API token',
    description:
      'The token is in this response only; it is stored as a hash. Send it as `Authorization: Bearer <token>`.',
    access: 'owner',
    body: z.object({ name: z.string().trim().min(1).max(80), role: roleSchema }),
    responses: {
      201: {
        description: 'The new token (shown once)',
        schema: z.object({
          id: z.string(),
          name: z.string(),
          role: roleSchema,
          token: z.string(),
          createdAt: z.number(),
        }),
      },
    },
    audit: 'token.create',
    handler: async ({ deps, body, actor }) => {
      const created = await deps.auth.createApiToken(body.name, body.role, actor.label);
      return {
        status: 201,
        body: {
          id: created.id,
          name: body.name,
          role: body.role,
          token: created.token,
          createdAt: created.createdAt,
        },
        audit: { target: created.id, details: { name: body.name, role: body.role } },
      };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/tokens/:id',
    tag: 'Users',
    summary: 'Revoke an API token',
    access: 'owner',
    params: idParams,
    responses: { 204: { description: 'Revoked' } },
    errors: [404],
    audit: 'token.delete',
    handler: async ({ deps, params }) => {
      const exists = (await deps.store.listApiTokens()).some((t) => t.id === params.id);
      if (!exists) throw new HttpError(404, 'token.not_found', 'There is no such API token.');
      await deps.store.deleteApiToken(params.id);
      return { status: 204 };
    },
  }),
];
