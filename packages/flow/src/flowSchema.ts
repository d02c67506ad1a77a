import { z } from 'zod';

/** The current flow file format. Older files are migrated forward on load (see migrateFlow). */
export const CURRENT_SCHEMA_VERSION = 1;

/** A variable name usable in `{{name}}`: letters, digits, `_`, dotted paths allowed when read. */
export const variableNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'Use letters, digits and _ only, not starting with a digit' })
  .max(64);

export const flowVariableSchema = z.object({
  name: variableNameSchema,
  type: z.enum(['string', 'number', 'boolean', 'object', 'list']).default('string'),
  default: z.unknown().optional(),
  description: z.string().max(500).optional(),
});

const globalKeywordActionSchema = z.discriminatedUnion('action', [
  /** Start the flow again from the start node, variables cleared. */
  z.object({ action: z.literal('restart') }),
  /** Jump to a node and carry on from there. */
  z.object({ action: z.literal('goto'), nodeId: z.string().min(1) }),
  /** Visit a node, then come back to the question the user was on. */
  z.object({ action: z.literal('visit'), nodeId: z.string().min(1) }),
]);

export const globalKeywordSchema = z.intersection(
  z.object({ keywords: z.array(z.string().trim().min(1)).min(1) }),
  globalKeywordActionSchema,
);

/** Flow-wide behaviour; every field has a default so an empty `settings` is valid. */
export const flowSettingsSchema = z.object({
  /** Words that work from anywhere in the flow (menu, help, reset). Matched whole, case-insensitive. */
  globalKeywords: z.array(globalKeywordSchema).default([]),
  optOut: z
    .object({
      enabled: z.boolean().default(true),
      stopWords: z.array(z.string().min(1)).default(['STOP']),
      startWords: z.array(z.string().min(1)).default(['START']),
    })
    .prefault({}),
  /** Join text fragments that arrive within this many ms into one input. 0 turns it off. */
  coalesceMs: z.number().int().min(0).max(10_000).default(0),
  /** A conversation waiting longer than this expires; the next message starts fresh. */
  inactivityTimeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 30)
    .default(24 * 60),
  /** `pinned`: finish on the version started on. `latest`: move to the newest at the next input if the node still exists. */
  versionPolicy: z.enum(['pinned', 'latest']).default('pinned'),
  /** A tap on a button of an older question: treat as `fallback` of the current one, or `jump` to that old question's branch. */
  staleReply: z.enum(['fallback', 'jump']).default('fallback'),
});

export const positionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });

/** A node as React Flow stores it. `data` is validated later, by the node type's own schema. */
export const flowNodeSchema = z.object({
  id: z.string().min(1).max(100),
  type: z.string().min(1).max(100),
  position: positionSchema,
  data: z.record(z.string(), z.unknown()).default({}),
});

/** An edge as React Flow stores it; `sourceHandle` is the port id on the source node. */
export const flowEdgeSchema = z.object({
  id: z.string().min(1).max(200),
  source: z.string().min(1),
  sourceHandle: z.string().min(1),
  target: z.string().min(1),
  targetHandle: z.string().nullish(),
});

export const flowIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9-]+$/, { error: 'Use lowercase letters, digits and dashes only' });

/** One flow file, `flows/<id>.json`: what the editor saves and the runtime runs. */
export const flowDocumentSchema = z.object({
  $schema: z.string().optional(),
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  id: flowIdSchema,
  name: z.string().trim().min(1).max(120),
  description: z.string().max(2000).optional(),
  variables: z.array(flowVariableSchema).default([]),
  settings: flowSettingsSchema.prefault({}),
  nodes: z.array(flowNodeSchema),
  edges: z.array(flowEdgeSchema).default([]),
});

export type FlowDocument = z.infer<typeof flowDocumentSchema>;
export type FlowDocumentInput = z.input<typeof flowDocumentSchema>;
export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowEdge = z.infer<typeof flowEdgeSchema>;
export type FlowVariable = z.infer<typeof flowVariableSchema>;
export type FlowSettings = z.infer<typeof flowSettingsSchema>;
export type GlobalKeyword = z.infer<typeof globalKeywordSchema>;
