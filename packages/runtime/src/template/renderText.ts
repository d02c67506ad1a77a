import { lookupPath as lookupSegments, parseTemplate, renderValue, type TemplateSegment } from '@parley/flow';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Looks a dotted path up through own properties only (never `__proto__`, `constructor`, `prototype`). */
export function lookupPath(vars: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = vars;
  for (const segment of path.split('.')) {
    if (segment === '' || FORBIDDEN.has(segment)) return undefined;
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

const parsed = new Map<string, TemplateSegment[]>();
const PARSED_LIMIT = 2000;

/** Templates repeat (the same node runs for every user): parse each text once. */
function segmentsOf(text: string): TemplateSegment[] {
  let segments = parsed.get(text);
  if (!segments) {
    segments = parseTemplate(text);
    if (parsed.size >= PARSED_LIMIT) parsed.delete(parsed.keys().next().value as string);
    parsed.set(text, segments);
  }
  return segments;
}

/**
 * Renders a template with the conversation's variables with @parley/flow's template syntax and
 * value rules (the same as its `renderTemplate`; missing → the default or '', never "undefined"),
 * with parsed templates cached.
 * @example renderText('Hi {{name | "friend"}}', {}) // 'Hi friend'
 */
export function renderText(text: string, vars: Readonly<Record<string, unknown>>): string {
  if (!text.includes('{{')) return text;
  let out = '';
  for (const segment of segmentsOf(text)) {
    if (segment.kind === 'text') {
      out += segment.text;
      continue;
    }
    const rendered = renderValue(lookupSegments(vars, segment.path));
    out += rendered === undefined || rendered === '' ? (segment.fallback ?? '') : rendered;
  }
  return out;
}
