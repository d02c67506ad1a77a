/**
 * Finds where and why a JSON text is malformed, in words for a person. JSON.parse says it
 * differently in every engine (and Safari says no position at all), so we scan ourselves, and only
 * after JSON.parse has failed.
 */

export interface JsonErrorLocation {
  /** 1-based line and column (column counts characters). */
  line: number;
  column: number;
  /** Offset in the text. */
  index: number;
  detail: string;
}

class JsonSyntaxProblem {
  constructor(
    readonly index: number,
    readonly detail: string,
  ) {}
}

function shown(text: string, at: number): string {
  if (at >= text.length) return 'the end of the file';
  const ch = text.codePointAt(at) ?? 0;
  if (ch === 10 || ch === 13) return 'a line break';
  if (ch === 9) return 'a tab';
  return `"${String.fromCodePoint(ch)}"`;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORDS = ['true', 'false', 'null'] as const;

/** Scans `text` and returns the first syntax problem, or undefined when it is valid JSON. */
function findProblem(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const fail = (index: number, detail: string): JsonSyntaxProblem => new JsonSyntaxProblem(index, detail);
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const readString = (): void => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) throw fail(start, 'this text has no closing double quote (")');
      const ch = text.charCodeAt(i);
      if (ch === 34) {
        i++;
        return;
      }
      if (ch < 32) throw fail(i, 'a line break or tab inside text must be written as \\n or \\t');
      if (ch === 92) {
        const next = text[i + 1] ?? '';
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
            throw fail(i, '\\u must be followed by 4 hex digits');
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(next) || next === '')
          throw fail(i, `${shown(text, i + 1)} cannot follow a backslash`);
        i += 2;
        continue;
      }
      i++;
    }
  };
  const readScalar = (): void => {
    const ch = text[i] ?? '';
    if (ch === '"') return readString();
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (match === null) throw fail(i, `${shown(text, i)} does not start a valid number`);
      i += match[0].length;
      if (/[0-9.eE]/.test(text[i] ?? ''))
        throw fail(i, 'this is not a valid number (no leading zeros, digits after the dot)');
      return;
    }
    const word = WORDS.find((w) => text.startsWith(w, i));
    if (word !== undefined) {
      i += word.length;
      return;
    }
    if (i >= text.length) throw fail(i, 'the file ends too early: a value and closing brackets are missing');
    if (ch === "'") throw fail(i, 'text must be in double quotes ("), not single quotes');
    throw fail(
      i,
      `expected a value (text in double quotes, a number, true, false, null, { or [) but found ${shown(text, i)}`,
    );
  };

  // Containers are tracked on a stack, so deeply nested input cannot overflow the call stack.
  const stack: Array<'{' | '['> = [];
  skipSpace();
  if (i >= text.length) return fail(0, 'the file is empty');
  try {
    for (;;) {
      // Expect a value.
      skipSpace();
      const ch = text[i];
      if (ch === '{' || ch === '[') {
        stack.push(ch);
        i++;
        skipSpace();
        const close = ch === '{' ? '}' : ']';
        if (text[i] === close) {
          stack.pop();
          i++;
        } else if (ch === '{') {
          readKey();
          continue;
        } else continue;
      } else readScalar();
      // After a value: a comma, a closing bracket, or the end.
      for (;;) {
        skipSpace();
        const top = stack.at(-1);
        if (top === undefined) {
          if (i < text.length) throw fail(i, `unexpected ${shown(text, i)} after the end of the data`);
          return undefined;
        }
        const close = top === '{' ? '}' : ']';
        if (text[i] === close) {
          stack.pop();
          i++;
          continue;
        }
        if (text[i] === ',') {
          i++;
          skipSpace();
          if (text[i] === '}' || text[i] === ']') throw fail(i, `remove the comma before ${shown(text, i)}`);
          if (top === '{') readKey();
          break;
        }
        if (i >= text.length) throw fail(i, `the file ends too early: a closing ${close} is missing`);
        throw fail(i, `expected a comma or ${close} but found ${shown(text, i)}`);
      }
    }
  } catch (problem) {
    if (problem instanceof JsonSyntaxProblem) return problem;
    throw problem;
  }

  function readKey(): void {
    skipSpace();
    if (text[i] !== '"') {
      if (i >= text.length) throw fail(i, 'the file ends too early: a closing } is missing');
      throw fail(i, `a name (key) must be in double quotes, but found ${shown(text, i)}`);
    }
    readString();
    skipSpace();
    if (text[i] !== ':') throw fail(i, `expected a colon (:) after the name, but found ${shown(text, i)}`);
    i++;
  }
}

/** Line and column (1-based) of an offset. */
export function lineColumnAt(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < index; at = text.indexOf('\n', at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, column: index - lineStart + 1 };
}

/**
 * Where a JSON text is malformed and why, or undefined when it parses.
 * @example locateJsonError('{\n  "a": 1,\n}') // { line: 3, column: 1, index: 12, detail: 'remove the comma before "}"' }
 */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  const problem = findProblem(text);
  if (problem === undefined) return undefined;
  return { ...lineColumnAt(text, problem.index), index: problem.index, detail: problem.detail };
}
