/** A piece of a templated text: plain text or a `{{variable}}` reference. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'var'; name: string; raw: string };

const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Splits `Hi {{name | "friend"}}!` into text and variable parts, for highlighting. */
export function splitTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    const index = match.index ?? 0;
    if (index > last) parts.push({ kind: 'text', text: text.slice(last, index) });
    const name = (match[1] ?? '').split('|')[0]?.trim() ?? '';
    parts.push({ kind: 'var', name, raw: match[0] });
    last = index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** The variable names referenced in a text (roots only: `order.total` → `order`). */
export function templateVariableRoots(text: string): string[] {
  return splitTemplate(text)
    .filter((p): p is Extract<TemplatePart, { kind: 'var' }> => p.kind === 'var')
    .map((p) => p.name.split('.')[0] ?? '')
    .filter(Boolean);
}
