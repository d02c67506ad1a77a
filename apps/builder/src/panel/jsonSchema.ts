import { z } from 'zod';
import type { JsonSchema } from '../api/types.js';

/** Follows a local `$ref` (`#/$defs/Name`) against the root schema. */
export function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 10; depth += 1) {
    const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(current.$ref);
    const target = match
      ? (root.$defs ?? (root.definitions as Record<string, JsonSchema> | undefined))?.[match[1] as string]
      : undefined;
    if (!target) break;
    const { $ref: _ref, ...rest } = current;
    current = { ...target, ...rest };
  }
  return current;
}

/** Unwraps `anyOf: [X, {type: 'null'}]` (an optional/nullable field) into X. */
export function unwrapNullable(
  schema: JsonSchema,
  root: JsonSchema,
): { schema: JsonSchema; nullable: boolean } {
  const resolved = resolveRef(schema, root);
  const variants =
    resolved.anyOf ?? (resolved.oneOf && resolved.oneOf.some(isNullSchema) ? resolved.oneOf : undefined);
  if (variants) {
    const rest = variants.filter((v) => !isNullSchema(v));
    if (rest.length === 1 && rest.length < variants.length) {
      const { anyOf: _a, oneOf: _o, ...outer } = resolved;
      return { schema: { ...resolveRef(rest[0] as JsonSchema, root), ...outer }, nullable: true };
    }
    if (resolved.anyOf && rest.length > 1)
      return {
        schema: { ...resolved, oneOf: rest, anyOf: undefined },
        nullable: rest.length < variants.length,
      };
  }
  return { schema: resolved, nullable: false };
}

function isNullSchema(schema: JsonSchema): boolean {
  return schema.type === 'null';
}

/** The kind of form control a schema needs. */
export type FieldKind =
  'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'const' | 'array' | 'object' | 'union' | 'unknown';

/** Classifies a (resolved) schema for the form. */
export function fieldKind(schema: JsonSchema): FieldKind {
  if (schema.const !== undefined) return 'const';
  if (Array.isArray(schema.enum)) return 'enum';
  if (schema.oneOf?.length) return 'union';
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (
    type === 'string' ||
    type === 'number' ||
    type === 'integer' ||
    type === 'boolean' ||
    type === 'array' ||
    type === 'object'
  )
    return type;
  if (schema.properties) return 'object';
  return 'unknown';
}

/** The property that tells union variants apart (a `const` in every variant), if any. */
export function discriminatorOf(variants: JsonSchema[], root: JsonSchema): string | null {
  const first = resolveRef(variants[0] ?? {}, root);
  for (const key of Object.keys(first.properties ?? {})) {
    if (variants.every((v) => resolveRef(v, root).properties?.[key]?.const !== undefined)) return key;
  }
  return null;
}

/** A sensible starting value for a schema: its default, or the defaults of its required parts. */
export function defaultValueFor(schema: JsonSchema, root: JsonSchema): unknown {
  const { schema: s } = unwrapNullable(schema, root);
  if (s.default !== undefined) return structuredClone(s.default);
  switch (fieldKind(s)) {
    case 'const':
      return s.const;
    case 'enum':
      return s.enum?.[0];
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return typeof s.minimum === 'number' ? s.minimum : 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'union':
      return defaultValueFor(s.oneOf?.[0] ?? {}, root);
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(key) || unwrapNullable(prop, root).schema.default !== undefined) {
          value[key] = defaultValueFor(prop, root);
        }
      }
      return value;
    }
    default:
      return undefined;
  }
}

/** "saveAs" → "Save as", "buttonLabel" → "Button label". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The label of a field: its schema title, its `ui.label`, or its humanized key. */
export function labelOf(schema: JsonSchema, key: string): string {
  return schema.title ?? schema.ui?.label ?? humanize(key);
}

const compiled = new WeakMap<JsonSchema, z.ZodType | null>();

/** A stable key for a field path (`options.1.title`). */
export function pathKey(path: ReadonlyArray<string | number>): string {
  return path.join('.');
}

/**
 * Checks a node's data against its JSON Schema in the browser (zod rebuilt from the schema), so
 * fields show problems as the user types. Messages are written for people.
 */
export function validateAgainstSchema(schema: JsonSchema, value: unknown): Map<string, string> {
  let zodSchema = compiled.get(schema);
  if (zodSchema === undefined) {
    try {
      zodSchema = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]) as z.ZodType;
    } catch {
      zodSchema = null;
    }
    compiled.set(schema, zodSchema);
  }
  const messages = new Map<string, string>();
  if (!zodSchema) return messages;
  const result = zodSchema.safeParse(value);
  if (result.success) return messages;
  for (const issue of result.error.issues) {
    const key = pathKey(issue.path as (string | number)[]);
    if (!messages.has(key)) messages.set(key, friendlyMessage(issue, value));
  }
  return messages;
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** Turns a zod issue into words for a non-developer. */
function friendlyMessage(issue: z.core.$ZodIssue, root: unknown): string {
  const actual = valueAt(root, issue.path);
  switch (issue.code) {
    case 'too_big':
      if (issue.origin === 'string')
        return `This is ${String(actual ?? '').length} characters; the limit is ${String(issue.maximum)}.`;
      if (issue.origin === 'array') return `At most ${String(issue.maximum)} items are allowed.`;
      return `Must be at most ${String(issue.maximum)}.`;
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1
          ? 'This cannot be empty.'
          : `Needs at least ${String(issue.minimum)} characters.`;
      if (issue.origin === 'array') return `Add at least ${String(issue.minimum)} item(s).`;
      return `Must be at least ${String(issue.minimum)}.`;
    case 'invalid_type':
      return actual === undefined ? 'This is required.' : `Expected a ${issue.expected}.`;
    case 'invalid_format':
      return `This is not a valid ${issue.format}.`;
    case 'invalid_value':
      return 'Pick one of the allowed values.';
    case 'not_multiple_of':
      return 'Must be a whole number.';
    default:
      return issue.message;
  }
}
