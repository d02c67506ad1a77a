import { z } from 'zod';
import { canonicalJson } from '../canonical/canonicalJson.js';
import { flowDocumentSchema } from '../flowSchema.js';

/** The committed schema file, from the repository root; a flow file may point at it with `"$schema"`. */
export const FLOW_SCHEMA_FILE = 'packages/flow/flow.schema.json';

/**
 * The flow file format as JSON Schema (draft 2020-12), generated from the zod schema — never
 * written by hand. It describes what a file may contain (`io: 'input'`: defaulted fields optional),
 * so editors can validate and complete `flows/*.json`.
 * @example flowJsonSchema().required // ['schemaVersion', 'id', 'name', 'nodes']
 */
export function flowJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(flowDocumentSchema, { io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'Parley flow',
    description:
      'One chatbot flow, as saved in flows/<id>.json. A node\'s "data" is checked by its node type; run `npm run validate` for the full check.',
    ...rest,
  };
}

/** The schema file's exact text: what `scripts/generate-schema.ts` writes and the test compares. */
export function renderFlowJsonSchema(): string {
  return canonicalJson(flowJsonSchema(), { sortKeys: false });
}
