import { FORBIDDEN_PATH_SEGMENTS, parseTemplate } from './parseTemplate.js';

/** Longest text one placeholder may put into a message; WhatsApp's longest text is 4096. */
export const MAX_RENDERED_VALUE_LENGTH = 4096;

const MISSING = Symbol('missing');

/** Follows a path through own properties only, so `{{__proto__}}` and friends reach nothing. */
export function lookupPath(vars: unknown, path: readonly string[]): unknown {
  let current: unknown = vars;
  for (const segment of path) {
    if (FORBIDDEN_PATH_SEGMENTS.has(segment)) return MISSING;
    if (current === null || (typeof current !== 'object' && typeof current !== 'function')) return MISSING;
    if (!Object.hasOwn(current, segment)) return MISSING;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function stringify(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'object': {
      if (value === null) return undefined;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
      const json = JSON.stringify(value);
      return typeof json === 'string' ? json : undefined;
    }
    default:
      // undefined, functions and symbols have no text.
      return undefined;
  }
}

/** The text a value stands for in a message; undefined when it has none (use the fallback). */
export function renderValue(value: unknown): string | undefined {
  try {
    const text = stringify(value);
    if (text === undefined) return undefined;
    return text.length > MAX_RENDERED_VALUE_LENGTH ? text.slice(0, MAX_RENDERED_VALUE_LENGTH) : text;
  } catch {
    // Cycles, BigInt inside objects, throwing getters or proxies: the value has no printable form.
    return undefined;
  }
}

/**
 * Fills `{{path}}` placeholders from `vars`. Missing or empty values give the fallback or '';
 * numbers print plainly, objects as JSON. Never throws and never prints "undefined".
 * @example renderTemplate('Hi {{name | "friend"}}', {}) // 'Hi friend'
 */
export function renderTemplate(text: string, vars: Record<string, unknown>): string {
  let out = '';
  for (const segment of parseTemplate(text)) {
    if (segment.kind === 'text') {
      out += segment.text;
      continue;
    }
    let value: unknown;
    try {
      value = lookupPath(vars, segment.path);
    } catch {
      value = MISSING;
    }
    const rendered = value === MISSING ? undefined : renderValue(value);
    out += rendered === undefined || rendered === '' ? (segment.fallback ?? '') : rendered;
  }
  return out;
}
