/**
 * The `{{ … }}` template language of Parley texts: a variable path and an optional quoted
 * fallback, nothing else (no expressions, no eval). Browser-safe; shared by the runtime, the
 * linter and the builder's highlighting.
 */

/** Longest text we look into; longer texts are kept as they are (the linter flags them). */
export const MAX_TEMPLATE_LENGTH = 10_000;
/** Most placeholders one text may hold; later ones are kept as typed. */
export const MAX_TEMPLATE_VARIABLES = 100;
/** Longest `{{ … }}` we try to read, so a stray `{{` costs little. */
const MAX_EXPRESSION_LENGTH = 300;

/** Path segments that would reach an object's prototype: never looked up. */
export const FORBIDDEN_PATH_SEGMENTS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

export type TemplateSegment =
  { kind: 'text'; text: string } | { kind: 'var'; path: string[]; fallback?: string; raw: string };

/** A `{{ … }}` that could not be read: where it is and why, for the linter. */
export interface TemplateSyntaxProblem {
  index: number;
  raw: string;
  reason: string;
}

const EXPRESSION =
  /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(?:\|\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*)?$/;

type Expression = { ok: true; path: string[]; fallback?: string } | { ok: false; reason: string };

function readExpression(inner: string): Expression {
  const match = EXPRESSION.exec(inner);
  if (match === null) {
    if (inner.trim() === '') return { ok: false, reason: 'it names no variable' };
    return { ok: false, reason: 'a name uses letters, digits, _ and dots; a fallback is in quotes after |' };
  }
  const path = (match[1] ?? '').split('.');
  const forbidden = path.find((segment) => FORBIDDEN_PATH_SEGMENTS.has(segment));
  if (forbidden !== undefined) return { ok: false, reason: `"${forbidden}" is not allowed in a name` };
  const quoted = match[2];
  if (quoted === undefined) return { ok: true, path };
  const fallback = quoted.slice(1, -1).replace(/\\(.)/g, '$1');
  return { ok: true, path, fallback };
}

/** Index of the `}}` closing the expression opened at `start` (quotes may hold braces), or -1. */
function findClose(text: string, start: number): number {
  const limit = Math.min(text.length - 1, start + MAX_EXPRESSION_LENGTH);
  let quote: string | undefined;
  for (let i = start; i < limit; i++) {
    const ch = text[i];
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

interface Scan {
  segments: TemplateSegment[];
  problems: TemplateSyntaxProblem[];
}

function scan(text: string): Scan {
  const segments: TemplateSegment[] = [];
  const problems: TemplateSyntaxProblem[] = [];
  if (text.length > MAX_TEMPLATE_LENGTH) return { segments: [{ kind: 'text', text }], problems };
  let literal = '';
  let at = 0;
  let variables = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    if (open === -1 || variables >= MAX_TEMPLATE_VARIABLES) break;
    const close = findClose(text, open + 2);
    if (close === -1) {
      if (!text.startsWith('{{', open + 1)) {
        problems.push({ index: open, raw: text.slice(open, open + 20), reason: 'it is not closed with }}' });
      }
      literal += text.slice(at, open + 1);
      at = open + 1;
      continue;
    }
    const raw = text.slice(open, close + 2);
    const expression = readExpression(text.slice(open + 2, close));
    if (!expression.ok) {
      // `{{{name}}}`: this `{` is text, the placeholder may start one character later.
      if (!text.startsWith('{{', open + 1)) problems.push({ index: open, raw, reason: expression.reason });
      literal += text.slice(at, open + 1);
      at = open + 1;
      continue;
    }
    literal += text.slice(at, open);
    if (literal !== '') segments.push({ kind: 'text', text: literal });
    literal = '';
    const segment: TemplateSegment = { kind: 'var', path: expression.path, raw };
    if (expression.fallback !== undefined) segment.fallback = expression.fallback;
    segments.push(segment);
    variables++;
    at = close + 2;
  }
  literal += text.slice(at);
  if (literal !== '') segments.push({ kind: 'text', text: literal });
  return { segments, problems };
}

/**
 * Splits a text into literal parts and `{{path | "fallback"}}` placeholders. A `{{` that does not
 * form a valid placeholder stays literal text.
 * @example parseTemplate('Hi {{name | "friend"}}!') // [{kind:'text',text:'Hi '}, {kind:'var',path:['name'],fallback:'friend',raw:'{{name | "friend"}}'}, {kind:'text',text:'!'}]
 */
export function parseTemplate(text: string): TemplateSegment[] {
  return scan(text).segments;
}

/**
 * The placeholders a text uses, in order.
 * @example templateVariables('{{contact.name}} ordered {{order.items.0.title}}').map((v) => v.path.join('.')) // ['contact.name', 'order.items.0.title']
 */
export function templateVariables(text: string): Array<Extract<TemplateSegment, { kind: 'var' }>> {
  return parseTemplate(text).filter((s): s is Extract<TemplateSegment, { kind: 'var' }> => s.kind === 'var');
}

/**
 * `{{ … }}` that look like placeholders but cannot be read (they would be sent as typed).
 * @example templateSyntaxProblems('Hi {{first name}}')[0].raw // '{{first name}}'
 */
export function templateSyntaxProblems(text: string): TemplateSyntaxProblem[] {
  return scan(text).problems;
}
