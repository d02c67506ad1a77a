import { z } from 'zod';
import { flowDocumentSchema } from '@parley/flow';
import { HttpError } from '../http/HttpError.js';
import type { PreviewService } from '../http/services.js';
import type { ApiDeps } from './ApiDeps.js';
import { defineRoute, type ApiRoute } from './defineRoute.js';
import { idParams } from './schemas.js';

/** How long an events request waits for something new before answering with nothing. */
export const PREVIEW_POLL_MS = 25_000;

const title = z.string().min(1).max(200);
const previewInput = z.union([
  z.object({ text: z.string().min(1).max(4096) }),
  z.object({ buttonId: z.string().min(1).max(256), title }),
  z.object({ rowId: z.string().min(1).max(200), title }),
  z.object({
    location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }),
  }),
]);
const previewEvent = z.object({
  seq: z.number(),
  kind: z.enum(['user', 'bot', 'status', 'typing']),
  at: z.number(),
  message: z.unknown().optional(),
  status: z.string().optional(),
  wamid: z.string().optional(),
  nodeId: z.string().optional(),
});

function service(deps: ApiDeps): PreviewService {
  if (!deps.preview)
    throw new HttpError(503, 'preview.unavailable', 'The preview is not available on this server.');
  return deps.preview;
}

function found<T>(value: T | null): T {
  if (value === null)
    throw new HttpError(404, 'preview.not_found', 'This preview session has ended. Start a new one.');
  return value;
}

/** The builder's live chat on the current draft, through the in-process simulator. */
export const previewRoutes: ApiRoute[] = [
  defineRoute({
    method: 'post',
    path: '/preview/sessions',
    tag: 'Preview',
    summary: 'Start a preview chat on a draft',
    access: 'editor',
    body: z.object({ flow: flowDocumentSchema, startNodeId: z.string().min(1).max(100).optional() }),
    responses: {
      201: {
        description: 'The session',
        schema: z.object({ sessionId: z.string(), userId: z.string(), phoneNumberId: z.string() }),
      },
    },
    errors: [503],
    audit: 'preview.start',
    handler: async ({ deps, body, actor }) => {
      const session = await service(deps).createSession(
        { flow: body.flow, ...(body.startNodeId ? { startNodeId: body.startNodeId } : {}) },
        actor,
      );
      return {
        status: 201,
        body: session,
        audit: { target: session.sessionId, details: { flowId: body.flow.id } },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/preview/sessions/:id/messages',
    tag: 'Preview',
    summary: 'Send a message as the preview user',
    access: 'editor',
    params: idParams,
    body: previewInput,
    responses: { 202: { description: 'Sent through the simulator as a signed webhook' } },
    errors: [404, 503],
    // Not audited: a preview chat is a test conversation; its start and end are.
    audit: false,
    handler: async ({ deps, params, body, actor }) => {
      found(await service(deps).sendMessage(params.id, body, actor));
      return { status: 202 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/preview/sessions/:id/events',
    tag: 'Preview',
    summary: 'Chat events after a sequence number (long poll)',
    description: `Answers at once when there are new events, else waits up to ${PREVIEW_POLL_MS / 1000} s.`,
    access: 'editor',
    params: idParams,
    query: z.object({ after: z.coerce.number().int().min(0).default(0) }),
    responses: {
      200: {
        description: 'Events and the conversation state',
        schema: z.object({
          events: z.array(previewEvent),
          conversation: z.object({
            status: z.string(),
            nodeId: z.string().nullable(),
            path: z.array(z.string()),
            vars: z.record(z.string(), z.unknown()),
          }),
        }),
      },
    },
    errors: [404, 503],
    handler: async ({ deps, params, query, signal }) => ({
      status: 200,
      body: found(await service(deps).events(params.id, query.after, { waitMs: PREVIEW_POLL_MS, signal })),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/preview/sessions/:id/restart',
    tag: 'Preview',
    summary: 'Restart the preview conversation',
    access: 'editor',
    params: idParams,
    responses: { 202: { description: 'Restarted' } },
    errors: [404, 503],
    audit: 'preview.restart',
    handler: async ({ deps, params, actor }) => {
      found(await service(deps).restart(params.id, actor));
      return { status: 202 };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/preview/sessions/:id',
    tag: 'Preview',
    summary: 'End a preview session',
    access: 'editor',
    params: idParams,
    responses: { 204: { description: 'Ended' } },
    errors: [404, 503],
    audit: 'preview.end',
    handler: async ({ deps, params, actor }) => {
      found(await service(deps).deleteSession(params.id, actor));
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/preview/sessions/:id/save-test',
    tag: 'Preview',
    summary: 'Save the preview conversation as a transcript test',
    access: 'editor',
    params: idParams,
    responses: { 201: { description: 'Where it was saved', schema: z.object({ path: z.string() }) } },
    errors: [404, 409, 503],
    audit: 'preview.save_test',
    handler: async ({ deps, params, actor }) => {
      const saved = found(
        await service(deps)
          .saveTest(params.id, actor)
          .catch((error: unknown) => {
            // A broken test file (never overwritten) or a chat started mid-flow: say why, save nothing.
            const code = (error as { code?: unknown }).code;
            if (code === 'preview.test_file_unreadable' || code === 'preview.started_mid_flow')
              throw new HttpError(409, code, (error as Error).message);
            throw error;
          }),
      );
      return { status: 201, body: saved, audit: { details: { path: saved.path } } };
    },
  }),
];
