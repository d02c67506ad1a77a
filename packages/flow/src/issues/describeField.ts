/**
 * Turns a JSON path into words for a non-developer: `['buttons', 1, 'title']` → "Button 2's title".
 * Heuristic on purpose: field names are camelCase English, lists are plural.
 */

/** Flow-file keys whose literal words would mean little to a non-developer. */
const TERMS: Record<string, string> = {
  edges: 'connections',
  sourceHandle: 'exit',
  targetHandle: 'entry point',
  source: 'from node',
  target: 'to node',
  schemaVersion: 'format version',
  coalesceMs: 'message joining time (ms)',
  inactivityTimeoutMinutes: 'inactivity timeout (minutes)',
};

/** `sourceHandle` → `exit`; `listRowId` → `list row id`. */
function words(key: string): string {
  const term = TERMS[key];
  if (term !== undefined) return term;
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
}

function singular(key: string): string {
  const w = words(key);
  if (w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.endsWith('ses') || w.endsWith('xes')) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The field a path points at, in words, capitalized.
 * @example describeField(['buttons', 1, 'title']) // "Button 2's title"
 */
export function describeField(path: readonly (string | number)[]): string {
  const last = path.at(-1);
  const before = path.at(-2);
  const beforeThat = path.at(-3);
  if (last === undefined) return 'The flow';
  if (typeof last === 'number') {
    return typeof before === 'string' ? `${capitalize(singular(before))} ${last + 1}` : `Item ${last + 1}`;
  }
  if (typeof before === 'number' && typeof beforeThat === 'string') {
    return `${capitalize(singular(beforeThat))} ${before + 1}'s ${words(last)}`;
  }
  return capitalize(words(last));
}

/**
 * A value quoted for a message, shortened so one line stays readable.
 * @example quoteValue('Yes, please confirm my order') // "'Yes, please confirm my order'"
 */
export function quoteValue(value: unknown, max = 40): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const short = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return `'${short.replace(/\s+/g, ' ')}'`;
}

/** "1 item" / "3 items". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
