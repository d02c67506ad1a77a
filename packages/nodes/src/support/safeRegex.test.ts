import { describe, expect, it } from 'vitest';
import { checkPattern, MAX_PATTERN_LENGTH, MAX_REGEX_INPUT_LENGTH, safeTest } from './safeRegex.js';

describe('checkPattern', () => {
  it.each(['^\\d{4}$', '^[A-Z]{2}-\\d+$', '(yes|no)', '^(\\+\\d{1,3})?\\d{6,12}$', 'a+b*', '([a-z]{2})+'])(
    'accepts %s',
    (pattern) => {
      expect(checkPattern(pattern).ok).toBe(true);
    },
  );

  it.each(['(a+)+', '^(a*)*$', '(\\w+\\s?)*', '((ab)+c)+', '([a-z]+)*x', '(a{1,}){2,}'])(
    'rejects the nested quantifier %s',
    (pattern) => {
      const checked = checkPattern(pattern);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.message).toMatch(/repeats a group that already repeats/);
    },
  );

  // Found by the security battery: overlapping alternatives and bounded repeats of variable groups.
  it.each([
    '(a|aa)+$',
    '(a|a)+$',
    '(a|a)*$',
    '([a-z]|[a-z]{2})+$',
    '(.*a){12}$',
    '(a?){20}a{20}',
    '(?:a|b?)+',
  ])('rejects the ambiguous repeated group %s', (pattern) => {
    expect(checkPattern(pattern).ok).toBe(false);
  });

  it.each([
    '(?:yes|no)',
    '^(?<year>\\d{4})-(\\d{2})$',
    '[()|+]+',
    '^\\w+@\\w+\\.\\w+$',
    '(ab){3}',
    '(?=.*\\d)\\w+',
  ])('accepts the safe pattern %s', (pattern) => {
    expect(checkPattern(pattern).ok).toBe(true);
  });

  it('refuses too many open-ended repeats and shortens the input for several', () => {
    expect(checkPattern('a+b+c+d+e+').ok).toBe(false);
    const three = checkPattern('\\d+\\d+\\d+x');
    expect(three.ok && three.maxInput).toBe(200);
    expect(safeTest('\\d+\\d+\\d+x', '', '1'.repeat(5000))).toBe(false);
  });

  it('rejects over-long, invalid and back-referencing patterns with a reason', () => {
    const long = checkPattern('a'.repeat(MAX_PATTERN_LENGTH + 1));
    expect(long).toEqual({ ok: false, message: expect.stringContaining(`limit is ${MAX_PATTERN_LENGTH}`) });
    expect(checkPattern('(unclosed')).toEqual({
      ok: false,
      message: expect.stringContaining('not a valid pattern'),
    });
    expect(checkPattern('(a)\\1')).toEqual({
      ok: false,
      message: expect.stringContaining('Back-references'),
    });
  });

  it('ignores brackets and parentheses that are escaped or inside a class', () => {
    expect(checkPattern('\\(a+\\)+').ok).toBe(true);
    expect(checkPattern('[(a+)]+').ok).toBe(true);
  });
});

describe('safeTest', () => {
  it('matches with the given flags and never matches a rejected pattern', () => {
    expect(safeTest('^hello$', 'i', 'HELLO')).toBe(true);
    expect(safeTest('^hello$', '', 'HELLO')).toBe(false);
    expect(safeTest('(a+)+$', '', 'aaaa')).toBe(false);
  });

  it('only looks at the first characters of a huge input', () => {
    const input = `${'a'.repeat(MAX_REGEX_INPUT_LENGTH)}END`;
    expect(safeTest('END$', '', input)).toBe(false);
    expect(safeTest('^a+$', '', input)).toBe(true);
  });
});
