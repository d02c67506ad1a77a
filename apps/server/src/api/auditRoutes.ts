import { z } from 'zod';
import { auditEntrySchema } from '@parley/store';
import { defineRoute, type ApiRoute } from './defineRoute.js';

/** The audit log: who changed what, when (never the content). */
export const auditRoutes: ApiRoute[] = [
  defineRoute({
    method: 'get',
    path: '/audit',
    tag: 'Users',
    summary: 'Read the audit log',
    description:
      'Every write through the API, login, export and erasure: who, what, when, on which target. Newest first.',
    access: 'owner',
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    responses: {
      200: { description: 'Audit entries', schema: z.object({ entries: z.array(auditEntrySchema) }) },
    },
    handler: async ({ deps, query }) => {
      const entries = await deps.store.listAudit({ limit: query.limit });
      return { status: 200, body: { entries: [...entries].sort((a, b) => b.at - a.at) } };
    },
  }),
];
