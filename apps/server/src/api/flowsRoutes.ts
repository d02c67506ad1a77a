import { z } from 'zod';
import { flowIdSchema } from '@parley/flow';
import { defineRoute, type ApiRoute } from './defineRoute.js';
import { flowDocumentBody, flowIdParams, flowIssueView } from './schemas.js';

const flowSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    updatedAt: z.number(),
    etag: z.string(),
    latestVersion: z.number().nullable(),
    nodeCount: z.number(),
    problem: z.string().optional(),
  })
  .meta({ id: 'FlowSummary' });
const versionView = z
  .object({
    version: z.number(),
    hash: z.string(),
    publishedAt: z.number(),
    publishedBy: z.string().optional(),
  })
  .meta({ id: 'FlowVersion' });
const etagHeader = { ETag: 'The version of the file; send it back in If-Match when saving' };
const ifMatch = { 'If-Match': { description: 'The ETag of the flow as loaded', required: true } };
const nameSchema = z.string().trim().min(1, { error: 'Give the flow a name' }).max(120);

function versionOf(record: {
  version: number;
  hash: string;
  publishedAt: number;
  publishedBy?: string | undefined;
}) {
  return {
    version: record.version,
    hash: record.hash,
    publishedAt: record.publishedAt,
    ...(record.publishedBy ? { publishedBy: record.publishedBy } : {}),
  };
}

/** Flows: files in FLOWS_DIR, edited with ETags, published to numbered versions. */
export const flowsRoutes: ApiRoute[] = [
  defineRoute({
    method: 'get',
    path: '/flows',
    tag: 'Flows',
    summary: 'List flows',
    access: 'viewer',
    responses: { 200: { description: 'Every flow file', schema: z.object({ flows: z.array(flowSummary) }) } },
    handler: async ({ deps }) => ({ status: 200, body: { flows: await deps.flows.list() } }),
  }),
  defineRoute({
    method: 'get',
    path: '/flows/:id',
    tag: 'Flows',
    summary: 'Read a flow',
    description: 'The body is the flow document itself; its version is in the ETag header.',
    access: 'viewer',
    params: flowIdParams,
    responses: { 200: { description: 'The flow document', schema: flowDocumentBody, headers: etagHeader } },
    errors: [404],
    handler: async ({ deps, params }) => {
      const { document, etag } = await deps.flows.read(params.id);
      return { status: 200, body: document, headers: { ETag: etag } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/flows',
    tag: 'Flows',
    summary: 'Create a flow',
    description: 'Blank, a copy of another flow (`template`), or a given document (import).',
    access: 'editor',
    body: z.object({
      id: flowIdSchema.optional(),
      name: nameSchema,
      template: flowIdSchema.optional(),
      document: flowDocumentBody.optional(),
    }),
    responses: {
      201: { description: 'The new flow document', schema: flowDocumentBody, headers: etagHeader },
    },
    errors: [404, 409],
    audit: 'flow.create',
    handler: async ({ deps, body }) => {
      const { document, etag } = await deps.flows.create(body);
      return {
        status: 201,
        body: document,
        headers: { ETag: etag, Location: `/api/flows/${document.id}` },
        audit: { target: document.id },
      };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/flows/:id',
    tag: 'Flows',
    summary: 'Save a flow',
    description:
      'Saves a draft (lint errors allowed). Refused with 409 when the file changed since it was loaded.',
    access: 'editor',
    params: flowIdParams,
    body: flowDocumentBody,
    headers: ifMatch,
    responses: { 200: { description: 'Saved', schema: z.object({ etag: z.string() }), headers: etagHeader } },
    errors: [404, 409, 428],
    audit: 'flow.update',
    handler: async ({ deps, params, body, req }) => {
      const { etag } = await deps.flows.save(params.id, body, req.get('if-match'));
      return { status: 200, body: { etag }, headers: { ETag: etag } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/flows/:id',
    tag: 'Flows',
    summary: 'Delete a flow file',
    description:
      'Published versions stay (conversations may still run on them). Refused while a bot uses the flow.',
    access: 'editor',
    params: flowIdParams,
    headers: { 'If-Match': { description: 'Optional: only delete this version of the file' } },
    responses: { 204: { description: 'Deleted' } },
    errors: [404, 409],
    audit: 'flow.delete',
    handler: async ({ deps, params, req }) => {
      await deps.flows.delete(params.id, req.get('if-match'));
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/flows/:id/duplicate',
    tag: 'Flows',
    summary: 'Duplicate a flow',
    access: 'editor',
    params: flowIdParams,
    body: z.object({ id: flowIdSchema.optional(), name: nameSchema }),
    responses: { 201: { description: 'The copy', schema: flowDocumentBody, headers: etagHeader } },
    errors: [404, 409],
    audit: 'flow.duplicate',
    handler: async ({ deps, params, body }) => {
      const { document, etag } = await deps.flows.duplicate(params.id, body);
      return {
        status: 201,
        body: document,
        headers: { ETag: etag, Location: `/api/flows/${document.id}` },
        audit: { target: document.id, details: { from: params.id } },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/flows/:id/rename',
    tag: 'Flows',
    summary: 'Rename a flow',
    description: 'Changes the display name; the id (and file name) stay, so bots keep working.',
    access: 'editor',
    params: flowIdParams,
    body: z.object({ name: nameSchema }),
    headers: { 'If-Match': { description: 'Optional: refuse when the file changed' } },
    responses: {
      200: { description: 'The renamed flow document', schema: flowDocumentBody, headers: etagHeader },
    },
    errors: [404, 409],
    audit: 'flow.rename',
    handler: async ({ deps, params, body, req }) => {
      const { document, etag } = await deps.flows.rename(params.id, body.name, req.get('if-match'));
      return { status: 200, body: document, headers: { ETag: etag } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/flows/:id/validate',
    tag: 'Flows',
    summary: 'Lint a flow',
    description: 'Lints the saved file, or the draft document sent as the body (custom node types included).',
    access: 'viewer',
    params: flowIdParams,
    body: flowDocumentBody.optional(),
    responses: {
      200: {
        description: 'Errors block publishing; warnings do not',
        schema: z.object({ errors: z.array(flowIssueView), warnings: z.array(flowIssueView) }),
      },
    },
    errors: [404],
    // Read-only: linting changes nothing, so viewers may run it and nothing is audited.
    audit: false,
    handler: async ({ deps, params, body }) => ({
      status: 200,
      body: await deps.flows.validate(params.id, body),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/flows/:id/publish',
    tag: 'Flows',
    summary: 'Publish the saved flow as a new version',
    access: 'editor',
    params: flowIdParams,
    headers: { 'If-Match': { description: 'Optional: publish only if the file is still this version' } },
    responses: {
      201: {
        description: 'The published version (the latest one, unchanged, when the content did not change)',
        schema: z.object({ version: z.number(), hash: z.string(), publishedAt: z.number() }),
      },
    },
    errors: [404, 409, 422],
    audit: 'flow.publish',
    handler: async ({ deps, params, actor, req }) => {
      const record = await deps.flows.publish(params.id, actor.label, req.get('if-match'));
      return {
        status: 201,
        body: { version: record.version, hash: record.hash, publishedAt: record.publishedAt },
        audit: { details: { version: record.version, hash: record.hash } },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/flows/:id/versions',
    tag: 'Flows',
    summary: 'List published versions',
    access: 'viewer',
    params: flowIdParams,
    responses: { 200: { description: 'Newest first', schema: z.object({ versions: z.array(versionView) }) } },
    errors: [404],
    handler: async ({ deps, params }) => ({
      status: 200,
      body: { versions: (await deps.flows.versions(params.id)).map(versionOf) },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/flows/:id/rollback',
    tag: 'Flows',
    summary: 'Roll back to an earlier version',
    description: 'Publishes the old content as a new version and restores the file to it.',
    access: 'editor',
    params: flowIdParams,
    body: z.object({ version: z.number().int().positive() }),
    responses: {
      201: {
        description: 'The new version',
        schema: versionView.extend({ etag: z.string() }),
        headers: etagHeader,
      },
    },
    errors: [404],
    audit: 'flow.rollback',
    handler: async ({ deps, params, body, actor }) => {
      const { record, etag } = await deps.flows.rollback(params.id, body.version, actor.label);
      return {
        status: 201,
        body: { ...versionOf(record), etag },
        headers: { ETag: etag },
        audit: { details: { toVersion: body.version, newVersion: record.version } },
      };
    },
  }),
];
