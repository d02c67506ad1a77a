/** Longest pattern a flow may use: enough for real validation, too short to hide a monster. */
export const MAX_PATTERN_LENGTH = 200;
/** Longest input a pattern is run on; longer input is cut, bounding the matching time. */
export const MAX_REGEX_INPUT_LENGTH = 1000;
/** Open-ended repeats (`+`, `*`, `{n,}`) one pattern may hold. */
export const MAX_OPEN_REPEATS = 4;

export type PatternCheck = { ok: true; regex: RegExp; maxInput: number } | { ok: false; message: string };

interface Quantifier {
  /** Characters the quantifier occupies (a lazy `?` included). */
  length: number;
  /** The atom may occur a varying number of times (`?`, `+`, `*`, `{1,3}`). */
  variable: boolean;
  /** The atom may occur more than once (`+`, `*`, `{2}`, `{1,3}`). */
  repeats: boolean;
  /** No upper bound (`+`, `*`, `{2,}`). */
  open: boolean;
}

/** The quantifier starting at `index`, if any. */
function quantifierAt(pattern: string, index: number): Quantifier | null {
  const char = pattern[index];
  const lazy = (length: number) => (pattern[index + length] === '?' ? length + 1 : length);
  if (char === '+' || char === '*') return { length: lazy(1), variable: true, repeats: true, open: true };
  if (char === '?') return { length: lazy(1), variable: true, repeats: false, open: false };
  if (char !== '{') return null;
  const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(index));
  if (!match) return null;
  const min = Number(match[1]);
  const open = match[2] !== undefined && match[3] === '';
  const max = match[2] === undefined ? min : open ? Infinity : Number(match[3]);
  return { length: lazy(match[0].length), variable: max > min, repeats: max > 1, open };
}

interface GroupState {
  /** The group's content can match strings of different lengths or in several ways. */
  ambiguous: boolean;
}

/**
 * Finds the shapes behind catastrophic backtracking: a repeated group whose content is itself
 * variable (`(a+)+`, `(.*a){12}`, `(a?)*`) or holds alternatives (`(a|aa)+`). Escapes and
 * character classes are skipped. Returns a message for a person, or null.
 */
function findCatastrophicShape(pattern: string): string | null {
  const groups: GroupState[] = [];
  let inClass = false;
  const markAmbiguous = () => {
    const top = groups[groups.length - 1];
    if (top) top.ambiguous = true;
  };
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index];
    if (char === '\\' || (inClass && char !== ']')) {
      if (char === '\\') index += 1;
      if (inClass) continue;
      const q = quantifierAt(pattern, index + 1);
      if (q) {
        if (q.variable) markAmbiguous();
        index += q.length;
      }
      continue;
    }
    if (inClass) {
      inClass = false; // char is ']'
      const q = quantifierAt(pattern, index + 1);
      if (q) {
        if (q.variable) markAmbiguous();
        index += q.length;
      }
      continue;
    }
    if (char === '[') {
      inClass = true;
      // `[]]` and `[^]]`: a leading `]` is a literal.
      if (pattern[index + 1] === '^') index += 1;
      if (pattern[index + 1] === ']') index += 1;
      continue;
    }
    if (char === '(') {
      groups.push({ ambiguous: false });
      // Skip the group's kind marker: (?: (?= (?! (?<= (?<! (?<name>
      const kind = /^\(\?(:|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(pattern.slice(index));
      if (kind) index += kind[0].length - 1;
      continue;
    }
    if (char === '|') {
      markAmbiguous();
      continue;
    }
    if (char === ')') {
      const group = groups.pop() ?? { ambiguous: false };
      const q = quantifierAt(pattern, index + 1);
      if (q?.repeats && group.ambiguous) {
        return 'This pattern repeats a group that already repeats or has alternatives, like (a+)+ or (a|aa)+; it can freeze the bot on some inputs. Remove the inner repeat, or use a character class like [ab]+';
      }
      if (group.ambiguous || q?.variable) markAmbiguous();
      if (q) index += q.length;
      continue;
    }
    const q = quantifierAt(pattern, index + 1);
    if (q) {
      if (q.variable) markAmbiguous();
      index += q.length;
    }
  }
  return null;
}

/** How many open-ended repeats (`+`, `*`, `{n,}`) a pattern holds, outside character classes. */
function countOpenRepeats(pattern: string): number {
  let count = 0;
  let inClass = false;
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index];
    if (char === '\\') {
      index += 1;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(' && pattern[index + 1] === '?') index += 1;
    else if (quantifierAt(pattern, index)?.open) count += 1;
  }
  return count;
}

/**
 * The longest input worth matching: adjacent open repeats (`\d+\d+\d+x`) can cost n^k steps,
 * so the more there are, the shorter the input they see (about 10 million steps at worst).
 */
function maxInputFor(openRepeats: number): number {
  if (openRepeats <= 2) return MAX_REGEX_INPUT_LENGTH;
  return openRepeats === 3 ? 200 : 50;
}

/**
 * Checks a pattern written in a flow: length, syntax, and the shapes that backtrack catastrophically.
 * @example checkPattern('^(a+)+$').ok // false
 */
export function checkPattern(pattern: string, flags = ''): PatternCheck {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return {
      ok: false,
      message: `This pattern is ${pattern.length} characters; the limit is ${MAX_PATTERN_LENGTH}`,
    };
  }
  const shape = findCatastrophicShape(pattern);
  if (shape) return { ok: false, message: shape };
  if (/\\[1-9]|\\k</.test(pattern)) {
    return { ok: false, message: 'Back-references (\\1) are not allowed in patterns' };
  }
  const openRepeats = countOpenRepeats(pattern);
  if (openRepeats > MAX_OPEN_REPEATS) {
    return {
      ok: false,
      message: `This pattern has ${openRepeats} open-ended repeats (+, *); at most ${MAX_OPEN_REPEATS} keep matching fast`,
    };
  }
  try {
    const regex = new RegExp(pattern, flags.replace(/[gy]/g, ''));
    return { ok: true, regex, maxInput: maxInputFor(openRepeats) };
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
  return checked.ok && checked.regex.test(input.slice(0, checked.maxInput));
}
