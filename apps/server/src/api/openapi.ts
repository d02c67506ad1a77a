import { z } from 'zod';
import type { ApiRoute } from './defineRoute.js';
import { errorBodySchema } from './schemas.js';

type JsonObject = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad input: the error names the field (`path`)',
  401: 'Not logged in, or the token is not valid',
  403: 'Wrong role, or a cross-site / CSRF-less request',
  404: 'Not found',
  409: 'Conflict (changed since loaded, already exists, in use)',
  413: 'Body too large',
  422: 'The flow has problems that block this',
  428: 'An If-Match header is required',
  429: 'Too many attempts; see Retry-After',
  503: 'Not available on this server',
};

/**
 * JSON Schema for OpenAPI 3.1 (draft 2020-12) from a zod schema; named schemas (`.meta({ id })`)
 * become shared components.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: JsonObject): JsonObject {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonObject;
  const rewritten = JSON.parse(
    JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonObject;
  const { $schema: _dropped, $defs, ...rest } = rewritten;
  if ($defs && typeof $defs === 'object') {
    for (const [name, def] of Object.entries($defs as JsonObject)) components[name] ??= def;
  }
  return rest;
}

function parametersOf(
  schema: z.ZodType | undefined,
  where: 'path' | 'query',
  components: JsonObject,
): JsonObject[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input', components);
  const properties = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * The OpenAPI 3.1 document of the /api routes, generated from the route table's own zod schemas.
 * @example res.json(buildOpenApi(apiRoutes, { version: '0.1.0' }))
 */
export function buildOpenApi(
  routes: readonly ApiRoute[],
  info: { version: string; serverUrl?: string },
): JsonObject {
  const components: JsonObject = {};
  const errorRef = toSchema(errorBodySchema, 'output', components);
  const paths: Record<string, JsonObject> = {};

  for (const route of routes) {
    const openPath = `/api${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
    const responses: JsonObject = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(spec.headers).map(([h, d]) => [
                  h,
                  { description: d, schema: { type: 'string' } },
                ]),
              ),
            }
          : {}),
        ...(spec.schema
          ? { content: { 'application/json': { schema: toSchema(spec.schema, 'output', components) } } }
          : {}),
      };
    }
    const errors = new Set(route.errors ?? []);
    if (route.params || route.query || route.body) errors.add(400);
    if (route.access !== 'public') {
      errors.add(401);
      errors.add(403);
    } else if (route.method !== 'get') errors.add(403);
    for (const status of [...errors].sort()) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? 'Error',
        content: { 'application/json': { schema: errorRef } },
      };
    }
    const headerParams = Object.entries(route.headers ?? {}).map(([name, h]) => ({
      name,
      in: 'header',
      required: h.required ?? false,
      description: h.description,
      schema: { type: 'string' },
    }));
    const bodySchema = route.body ? toSchema(route.body, 'input', components) : undefined;
    const bodyOptional = route.body ? route.body.safeParse(undefined).success : false;
    const operation: JsonObject = {
      operationId: `${route.method}${openPath.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(route.access === 'public' ? { security: [] } : { 'x-parley-role': route.access }),
      parameters: [
        ...parametersOf(route.params, 'path', components),
        ...parametersOf(route.query, 'query', components),
        ...headerParams,
      ],
      ...(bodySchema
        ? {
            requestBody: { required: !bodyOptional, content: { 'application/json': { schema: bodySchema } } },
          }
        : {}),
      responses,
    };
    paths[openPath] = { ...(paths[openPath] ?? {}), [route.method]: operation };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley API',
      version: info.version,
      description:
        'The builder and automation API. Authenticate with the session cookie from /api/auth/login (and send X-CSRF-Token on changes), or with `Authorization: Bearer <API token>`. Roles: viewer (read), editor (flows, conversations, preview), owner (everything).',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token, or ADMIN_TOKEN (owner)' },
        cookieAuth: { type: 'apiKey', in: 'cookie', name: 'parley_session' },
      },
    },
  };
}
