import type { z } from 'zod';
import type { TemplateField } from '@parley/flow';
import { isTemplateSchema } from './fields.js';

type Path = (string | number)[];

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  valueType?: z.ZodType;
  items?: z.ZodType[];
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/**
 * Walks a config schema and its value together, calling `visit` on every string under a schema
 * carrying the template mark. Unions are walked through each option; paths are deduplicated.
 */
function walk(
  schema: z.ZodType,
  value: unknown,
  path: Path,
  marked: boolean,
  visit: (path: Path, text: string) => void,
): void {
  const isMarked = marked || isTemplateSchema(schema);
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      if (def.innerType) walk(def.innerType, value, path, isMarked, visit);
      return;
    case 'pipe':
      if (def.in) walk(def.in, value, path, isMarked, visit);
      return;
    case 'lazy':
      if (def.getter) walk(def.getter(), value, path, isMarked, visit);
      return;
    case 'string':
      if (isMarked && typeof value === 'string') visit(path, value);
      return;
    case 'object':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      for (const [key, child] of Object.entries(def.shape ?? {})) {
        walk(child, (value as Record<string, unknown>)[key], [...path, key], isMarked, visit);
      }
      return;
    case 'array':
      if (!Array.isArray(value) || !def.element) return;
      value.forEach((item, index) => walk(def.element as z.ZodType, item, [...path, index], isMarked, visit));
      return;
    case 'tuple':
      if (!Array.isArray(value)) return;
      (def.items ?? []).forEach((item, index) => walk(item, value[index], [...path, index], isMarked, visit));
      return;
    case 'record':
      if (value === null || typeof value !== 'object' || !def.valueType) return;
      for (const [key, item] of Object.entries(value))
        walk(def.valueType, item, [...path, key], isMarked, visit);
      return;
    case 'union':
      for (const option of def.options ?? []) walk(option, value, path, isMarked, visit);
      return;
    case 'intersection':
      if (def.left) walk(def.left, value, path, isMarked, visit);
      if (def.right) walk(def.right, value, path, isMarked, visit);
      return;
    default:
      return;
  }
}

/**
 * Every templated text in a config, with its path, found by walking the schema's template marks.
 * @example findTemplateFields(message.config, { text: 'Hi {{name}}' }) // [{ path: ['text'], text: 'Hi {{name}}' }]
 */
export function findTemplateFields(schema: z.ZodType, config: unknown): TemplateField[] {
  const fields = new Map<string, TemplateField>();
  walk(schema, config, [], false, (path, text) => fields.set(JSON.stringify(path), { path, text }));
  return [...fields.values()];
}

/**
 * A copy of `config` with every templated text rendered; other values are kept as they are.
 * The runtime calls this before `run`, so executors see plain text.
 * @example renderTemplateFields(message.config, config, (text) => renderTemplate(text, vars))
 */
export function renderTemplateFields<T>(schema: z.ZodType, config: T, render: (text: string) => string): T {
  const copy = structuredClone(config) as unknown;
  for (const field of findTemplateFields(schema, config)) {
    let parent: unknown = copy;
    for (const key of field.path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
    const last = field.path[field.path.length - 1];
    if (last === undefined) return render(field.text) as T;
    (parent as Record<string | number, unknown>)[last] = render(field.text);
  }
  return copy as T;
}
