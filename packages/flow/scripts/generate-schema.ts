/**
 * Writes packages/flow/flow.schema.json from the zod schema. Run after changing flowSchema.ts:
 *   npx tsx --conditions=source packages/flow/scripts/generate-schema.ts
 * A test fails while the committed file differs from a fresh generation.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderFlowJsonSchema } from '../src/schema/flowJsonSchema.js';

const target = fileURLToPath(new URL('../flow.schema.json', import.meta.url));
await writeFile(target, renderFlowJsonSchema());
process.stdout.write(`Wrote ${target}\n`);
