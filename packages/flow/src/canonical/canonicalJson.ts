/**
 * Deterministic, readable JSON: keys in a stable order, laid out exactly as this repository's
 * Prettier config (`printWidth` 110) lays out JSON, so a saved flow passes `prettier --check`
 * and a save without changes gives the same bytes (clean git diffs, stable hashes).
 */

/** Key order for an object: known keys first in this order, the rest alphabetically. */
export type KeyOrder = (path: readonly (string | number)[]) => readonly string[] | undefined;

export interface CanonicalJsonOptions {
  /** @default 110 (the repository's Prettier printWidth) */
  printWidth?: number;
  keyOrder?: KeyOrder;
  /** Sort keys not named by `keyOrder` alphabetically; false keeps the object's own order. @default true */
  sortKeys?: boolean;
}

const WIDE = [
  [0x1100, 0x115f],
  [0x2e80, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
] as const;

/**
 * Columns a text takes, as Prettier counts them: wide CJK and emoji 2, combining marks and C1
 * controls 0. An approximation of Unicode's East Asian Width table that is exact for Latin,
 * Cyrillic, Greek, Arabic, common CJK and common emoji; rarer scripts and emoji ZWJ sequences may
 * make an array wrap differently from Prettier (still valid JSON, only the layout differs).
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x7f) width += 1;
    else if (code <= 0x9f) width += 0;
    else if (code < 0x300) width += 1;
    else if (code <= 0x36f || (code >= 0xfe00 && code <= 0xfe0f) || code === 0x200d) width += 0;
    else if (code >= 0x1f3fb && code <= 0x1f3ff) width += 0;
    else width += WIDE.some(([from, to]) => code >= from && code <= to) ? 2 : 1;
  }
  return width;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON's own text for a scalar, with exponents written as Prettier writes them (`1e21`). */
function scalar(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).replace('e+', 'e') : 'null';
  return JSON.stringify(value) ?? 'null';
}

function orderedKeys(
  value: Record<string, unknown>,
  path: (string | number)[],
  keyOrder?: KeyOrder,
  sortKeys = true,
): string[] {
  const keys = Object.keys(value).filter(
    (key) => value[key] !== undefined && typeof value[key] !== 'function',
  );
  const known = keyOrder?.(path) ?? [];
  const first = known.filter((key) => keys.includes(key));
  const rest = keys.filter((key) => !known.includes(key));
  if (sortKeys) rest.sort();
  return [...first, ...rest];
}

class Printer {
  constructor(
    private readonly width: number,
    private readonly keyOrder: KeyOrder | undefined,
    private readonly sortKeys: boolean,
  ) {}

  private keys(value: Record<string, unknown>, path: (string | number)[]): string[] {
    return orderedKeys(value, path, this.keyOrder, this.sortKeys);
  }

  /** The value on one line, or undefined when it must break (a non-empty object). */
  private flat(value: unknown, path: (string | number)[]): string | undefined {
    if (Array.isArray(value)) {
      const parts: string[] = [];
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const part = this.flat(value[i], path);
        path.pop();
        if (part === undefined) return undefined;
        parts.push(part);
      }
      return `[${parts.join(', ')}]`;
    }
    if (isRecord(value)) return this.keys(value, path).length === 0 ? '{}' : undefined;
    return scalar(value);
  }

  print(value: unknown, path: (string | number)[], indent: string, column: number, trailing: number): string {
    if (isRecord(value)) {
      const keys = this.keys(value, path);
      if (keys.length === 0) return '{}';
      const inner = `${indent}  `;
      const lines = keys.map((key, i) => {
        const head = `${inner}${JSON.stringify(key)}: `;
        const last = i === keys.length - 1;
        path.push(key);
        const printed = this.print(value[key], path, inner, displayWidth(head), last ? 0 : 1);
        path.pop();
        return head + printed;
      });
      return `{\n${lines.join(',\n')}\n${indent}}`;
    }
    if (!Array.isArray(value)) return scalar(value);
    if (value.length === 0) return '[]';
    // Prettier breaks a list of several lists (or objects) that each hold more than one element.
    const shouldBreak =
      value.length > 1 &&
      value.every((item) =>
        Array.isArray(value[0])
          ? Array.isArray(item) && item.length > 1
          : isRecord(value[0]) && isRecord(item) && Object.keys(item).length > 1,
      );
    const flat = shouldBreak ? undefined : this.flat(value, path);
    if (flat !== undefined && column + displayWidth(flat) + trailing <= this.width) return flat;
    const inner = `${indent}  `;
    if (value.length > 1 && value.every((item) => typeof item === 'number')) {
      // Prettier fills lists of numbers: as many per line as fit.
      const items = value.map((item, i) => scalar(item) + (i === value.length - 1 ? '' : ','));
      let out = `[\n${inner}${items[0]}`;
      let position = displayWidth(inner) + displayWidth(items[0] ?? '');
      for (const item of items.slice(1)) {
        if (position + 1 + displayWidth(item) <= this.width) {
          out += ` ${item}`;
          position += 1 + displayWidth(item);
        } else {
          out += `\n${inner}${item}`;
          position = displayWidth(inner) + displayWidth(item);
        }
      }
      return `${out}\n${indent}]`;
    }
    const lines = value.map((item, i) => {
      path.push(i);
      const printed = this.print(item, path, inner, inner.length, i === value.length - 1 ? 0 : 1);
      path.pop();
      return inner + printed;
    });
    return `[\n${lines.join(',\n')}\n${indent}]`;
  }
}

/**
 * Pretty JSON with stable key order and Prettier's layout, ending with a newline.
 * @example canonicalJson({ b: 1, a: [1, 2] }) // '{\n  "a": [1, 2],\n  "b": 1\n}\n'
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const printer = new Printer(options.printWidth ?? 110, options.keyOrder, options.sortKeys ?? true);
  return `${printer.print(value, [], '', 0, 0)}\n`;
}

/**
 * Compact JSON with the same stable key order: the input of content hashes.
 * @example compactCanonicalJson({ b: 1, a: 2 }) // '{"a":2,"b":1}'
 */
export function compactCanonicalJson(value: unknown, keyOrder?: KeyOrder): string {
  const path: (string | number)[] = [];
  const walk = (item: unknown): string => {
    if (Array.isArray(item)) {
      const parts = item.map((x, i) => {
        path.push(i);
        const part = walk(x);
        path.pop();
        return part;
      });
      return `[${parts.join(',')}]`;
    }
    if (isRecord(item)) {
      const parts = orderedKeys(item, path, keyOrder).map((key) => {
        path.push(key);
        const part = `${JSON.stringify(key)}:${walk(item[key])}`;
        path.pop();
        return part;
      });
      return `{${parts.join(',')}}`;
    }
    return scalar(item);
  };
  return walk(value);
}
