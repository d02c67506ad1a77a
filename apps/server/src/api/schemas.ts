import { z } from 'zod';
import { flowIdSchema, flowIssueSchema } from '@parley/flow';
import { roleSchema } from '@parley/store';

/** The one error shape (API.md). */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'A stable dotted code, e.g. flow.not_found' }),
      message: z.string().meta({ description: 'Words for a person' }),
      path: z.array(z.union([z.string(), z.number()])).optional(),
      issues: z.array(z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const flowIdParams = z.object({ id: flowIdSchema });
/** Ids of bots, tokens, conversations, contacts, sessions: opaque, bounded, printable. */
export const opaqueId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s/\\]+$/, { error: 'Not a valid id' });
export const idParams = z.object({ id: opaqueId });

export const userViewSchema = z
  .object({ id: z.string(), email: z.string(), name: z.string().optional(), role: roleSchema })
  .meta({ id: 'User' });

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'Enter an email address like name@example.com' }));
export const newPasswordSchema = z
  .string()
  .min(12, { error: 'Use at least 12 characters' })
  .max(200, { error: 'Use at most 200 characters' });

/** A flow document as sent by the editor; checked by the flow loader, which reports issues by path. */
export const flowDocumentBody = z
  .record(z.string(), z.unknown())
  .meta({ id: 'FlowDocument', description: 'A flow document (see packages/flow/flow.schema.json)' });

/** A lint or load issue, as the flow package defines it. */
export const flowIssueView = flowIssueSchema.meta({ id: 'FlowIssue' });
