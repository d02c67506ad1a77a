/** One step of a JSON path: a property name or an array index. */
export type JsonPathStep = string | number;

export type JsonPathParse = { ok: true; steps: JsonPathStep[] } | { ok: false; message: string };

const MAX_STEPS = 32;
const KEYS_TO_REFUSE = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Parses the small JSON path subset nodes accept: `$`, `.name`, `[0]`, `["a key"]`.
 * No wildcards, filters or scripts: a path names exactly one value.
 * @example parseJsonPath('$.items[0].name') // { ok: true, steps: ['items', 0, 'name'] }
 */
export function parseJsonPath(path: string): JsonPathParse {
  const text = path.trim();
  if (!text.startsWith('$')) return { ok: false, message: 'A JSON path starts with $, like $.order.status' };
  const steps: JsonPathStep[] = [];
  let index = 1;
  while (index < text.length) {
    const rest = text.slice(index);
    const dotted = /^\.([A-Za-z_$][\w$-]*)/.exec(rest);
    const indexed = /^\[(\d{1,9})\]/.exec(rest);
    const quoted = /^\[(?:"([^"]*)"|'([^']*)')\]/.exec(rest);
    if (dotted?.[1] !== undefined) {
      steps.push(dotted[1]);
      index += dotted[0].length;
    } else if (indexed?.[1] !== undefined) {
      steps.push(Number(indexed[1]));
      index += indexed[0].length;
    } else if (quoted) {
      steps.push(quoted[1] ?? quoted[2] ?? '');
      index += quoted[0].length;
    } else {
      return {
        ok: false,
        message: `Cannot read the JSON path at "${rest.slice(0, 20)}"; use $.name, [0] or ["name"]`,
      };
    }
    if (steps.length > MAX_STEPS)
      return { ok: false, message: `A JSON path can have at most ${MAX_STEPS} steps` };
  }
  const refused = steps.find((step) => typeof step === 'string' && KEYS_TO_REFUSE.has(step));
  if (refused !== undefined)
    return { ok: false, message: `"${String(refused)}" cannot be used in a JSON path` };
  return { ok: true, steps };
}

/**
 * Reads the value at a JSON path; `undefined` when the path is invalid or leads nowhere.
 * Only own properties are read, so a path cannot reach prototypes.
 * @example readJsonPath({ a: [{ b: 1 }] }, '$.a[0].b') // 1
 */
export function readJsonPath(value: unknown, path: string): unknown {
  const parsed = parseJsonPath(path);
  if (!parsed.ok) return undefined;
  let current: unknown = value;
  for (const step of parsed.steps) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof step === 'number' && !Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, step)) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}
