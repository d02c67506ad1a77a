import { lookupPath as lookupSegments, parseTemplate, renderValue, type TemplateSegment } from '@parley/flow';

/**
 * Looks a dotted path up with the flow package's safe lookup (own properties only, never
 * `__proto__`, `constructor`, `prototype`); a missing value is `undefined`.
 */
export function lookupPath(vars: Readonly<Record<string, unknown>>, path: string): unknown {
  const value = lookupSegments(vars, path.split('.'));
  // The flow package marks "missing" with a symbol; stored variables are JSON and never symbols.
  return typeof value === 'symbol' ? undefined : value;
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
