/** Longest pattern a flow may use: enough for real validation, too short to hide a monster. */
export const MAX_PATTERN_LENGTH = 200;
/** Longest input a pattern is run on; longer input is cut, bounding the matching time. */
export const MAX_REGEX_INPUT_LENGTH = 1000;

export type PatternCheck = { ok: true; regex: RegExp } | { ok: false; message: string };

/** True when the character at `index` starts a quantifier that may repeat without bound. */
function unboundedQuantifierAt(pattern: string, index: number): boolean {
  const char = pattern[index];
  if (char === '+' || char === '*') return true;
  if (char === '{')
    return /^\{\d*,\}/.test(pattern.slice(index)) || /^\{\d+,\d{2,}\}/.test(pattern.slice(index));
  return false;
}

/**
 * Finds a repeated group that itself repeats (`(a+)+`, `(\w*\s?)*`): the shape behind
 * catastrophic backtracking. Escapes and character classes are skipped.
 */
function hasNestedQuantifier(pattern: string): boolean {
  const groups: boolean[] = [];
  let inClass = false;
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index];
    if (char === '\\') {
      index += 1;
      // An escape followed by a quantifier (`\d+`) counts as a quantified atom.
      if (unboundedQuantifierAt(pattern, index + 1) && groups.length > 0) groups[groups.length - 1] = true;
      continue;
    }
    if (inClass) {
      if (char === ']') {
        inClass = false;
        if (unboundedQuantifierAt(pattern, index + 1) && groups.length > 0) groups[groups.length - 1] = true;
      }
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(') groups.push(false);
    else if (char === ')') {
      const innerRepeats = groups.pop() ?? false;
      const groupRepeats = unboundedQuantifierAt(pattern, index + 1);
      if (innerRepeats && groupRepeats) return true;
      // A quantified group makes its enclosing group repeat too.
      if ((innerRepeats || groupRepeats) && groups.length > 0) groups[groups.length - 1] = true;
    } else if (unboundedQuantifierAt(pattern, index) && groups.length > 0) {
      groups[groups.length - 1] = true;
    }
  }
  return false;
}

/**
 * Checks a pattern written in a flow: length, syntax and the nested-quantifier shape.
 * @example checkPattern('^(a+)+$').ok // false
 */
export function checkPattern(pattern: string, flags = ''): PatternCheck {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return {
      ok: false,
      message: `This pattern is ${pattern.length} characters; the limit is ${MAX_PATTERN_LENGTH}`,
    };
  }
  if (hasNestedQuantifier(pattern)) {
    return {
      ok: false,
      message:
        'This pattern repeats a group that already repeats, like (a+)+; it can freeze the bot on some inputs. Remove one of the repeats',
    };
  }
  if (/\\[1-9]/.test(pattern)) {
    return { ok: false, message: 'Back-references (\\1) are not allowed in patterns' };
  }
  try {
    return { ok: true, regex: new RegExp(pattern, flags.replace(/[gy]/g, '')) };
  } catch (error) {
    return {
      ok: false,
      message: `This is not a valid pattern: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/**
 * Tests input against a flow pattern with the input length capped; a rejected pattern never matches.
 * @example safeTest('^\\d{4}$', 'i', '2024') // true
 */
export function safeTest(pattern: string, flags: string, input: string): boolean {
  const checked = checkPattern(pattern, flags);
  return checked.ok && checked.regex.test(input.slice(0, MAX_REGEX_INPUT_LENGTH));
}
