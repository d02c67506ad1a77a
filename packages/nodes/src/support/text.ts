/**
 * Splits text longer than `max` into pieces at paragraph, line or word breaks, so a long
 * rendered message still reaches WhatsApp (which refuses bodies over its limit).
 * @example splitText('a b c', 3) // ['a b', 'c']
 */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = Math.max(window.lastIndexOf('\n\n'), window.lastIndexOf('\n'));
    if (cut < max / 2) cut = window.lastIndexOf(' ');
    if (cut < max / 2) cut = max;
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}

/** Cuts text to `max` characters, ending with an ellipsis when something was cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Reads a variable by name or dotted path (`order.status`, `items.0.name`). */
export function readVariable(vars: Readonly<Record<string, unknown>>, name: string): unknown {
  let current: unknown = vars;
  for (const key of name.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Lower-cased, trimmed, inner spaces collapsed: how typed answers are compared. */
export function normalizeAnswer(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLocaleLowerCase();
}
