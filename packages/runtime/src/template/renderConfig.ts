import type { TemplateField } from '@parley/flow';
import { renderText } from './renderText.js';

function setAt(target: unknown, path: (string | number)[], value: string): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(target)) {
    const copy = target.slice();
    copy[head as number] = setAt(copy[head as number], rest, value);
    return copy;
  }
  if (typeof target === 'object' && target !== null) {
    const record = target as Record<string, unknown>;
    return { ...record, [head]: setAt(record[head], rest, value) };
  }
  return target;
}

/** Renders the config's template fields, copying only the branches it changes. */
export function renderConfig(
  config: unknown,
  fields: TemplateField[],
  scope: Record<string, unknown>,
): unknown {
  let rendered = config;
  for (const field of fields) rendered = setAt(rendered, field.path, renderText(field.text, scope));
  return rendered;
}
