import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Role } from '@parley/store';
import type { Actor } from '../auth/roles.js';
import type { ApiDeps } from './ApiDeps.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Who may call a route: anyone, or at least this role. */
export type Access = 'public' | Role;

export interface RouteContext<P, Q, B, A extends Access> {
  params: P;
  query: Q;
  body: B;
  /** The caller; null only on public routes without credentials. */
  actor: A extends 'public' ? Actor | null : Actor;
  req: Request;
  res: Response;
  deps: ApiDeps;
  /** Aborted when the client goes away (long polls stop waiting). */
  signal: AbortSignal;
}

/** What a handler returns; the router sends it (JSON unless `body` is a string or absent). */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Extra facts for the audit entry (never content or secrets). */
  audit?: {
    target?: string;
    details?: Record<string, unknown>;
    /** Who, when the route is public (login). */ actor?: string;
  };
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Response headers worth documenting (ETag, Retry-After). */
  headers?: Record<string, string>;
}

/** One API route: the same zod schemas validate requests and generate the OpenAPI document. */
export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  A extends Access = Access,
> {
  method: HttpMethod;
  /** Relative to /api, Express syntax (`/flows/:id`). */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers the route reads (If-Match). */
  headers?: Record<string, { description: string; required?: boolean }>;
  responses: Record<number, ResponseSpec>;
  /** Error statuses besides the ones derived from the spec (400 for inputs, 401/403 for access). */
  errors?: number[];
  /** The audit action for a write (`flow.update`); `false` only with a reason in a comment. */
  audit?: string | false;
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>, A>): Promise<RouteResult>;
}

/** A route with its types erased, as the router and the OpenAPI builder see it. */
export interface ApiRoute extends Omit<RouteSpec, 'handler'> {
  handler(ctx: RouteContext<unknown, unknown, unknown, Access>): Promise<RouteResult>;
}

/**
 * Declares a route with full inference of params, query, body and actor from its schemas.
 * @example defineRoute({ method: 'get', path: '/flows', tag: 'Flows', summary: 'List flows', access: 'viewer', responses: { 200: { description: 'The flows' } }, handler: async () => ({ status: 200, body: [] }) })
 */
export function defineRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  A extends Access = Access,
>(spec: RouteSpec<P, Q, B, A>): ApiRoute {
  return spec as unknown as ApiRoute;
}
