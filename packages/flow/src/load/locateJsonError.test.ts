import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { locateJsonError } from './locateJsonError.js';

const at = (text: string) => {
  const found = locateJsonError(text);
  return found && `${found.line}:${found.column} ${found.detail}`;
};

describe('locateJsonError', () => {
  it('accepts valid JSON', () => {
    expect(
      locateJsonError('{"a": [1, -2.5e3, "x\\n\\u00e9", true, null, {}], "b": {"c": []}}'),
    ).toBeUndefined();
    expect(locateJsonError(' 42 ')).toBeUndefined();
  });

  it('points at the usual mistakes, with line and column', () => {
    expect(at('{\n  "a": 1,\n}')).toBe('3:1 remove the comma before "}"');
    expect(at('{\n  "a": 1\n  "b": 2\n}')).toBe('3:3 expected a comma or } but found """');
    expect(at("{ 'a': 1 }")).toBe('1:3 a name (key) must be in double quotes, but found "\'"');
    expect(at('{ "a" 1 }')).toBe('1:7 expected a colon (:) after the name, but found "1"');
    expect(at('{ "a": [1, 2 }')).toBe('1:14 expected a comma or ] but found "}"');
    expect(at('{ "a": "line\nbreak" }')).toBe(
      '1:13 a line break or tab inside text must be written as \\n or \\t',
    );
    expect(at('{ "a": "\\x" }')).toBe('1:9 "x" cannot follow a backslash');
    expect(at('{ "a": 01 }')).toBe('1:9 this is not a valid number (no leading zeros, digits after the dot)');
    expect(at('{ "a": tru }')).toMatch(/^1:8 expected a value/);
    expect(at('{ "a": \'x\' }')).toBe('1:8 text must be in double quotes ("), not single quotes');
    expect(at('{ "a": 1 } x')).toBe('1:12 unexpected "x" after the end of the data');
    expect(at('{ "a": [1')).toBe('1:10 the file ends too early: a closing ] is missing');
    expect(at('{ "a": "open')).toBe('1:8 this text has no closing double quote (")');
    expect(at('   ')).toBe('1:1 the file is empty');
  });

  it('handles deep nesting without recursion', () => {
    expect(locateJsonError('['.repeat(200_000))?.detail).toBe(
      'the file ends too early: a value and closing brackets are missing',
    );
  });

  it('agrees with JSON.parse on what is valid (property)', () => {
    const alphabet = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      '1',
      '0',
      '-',
      '.',
      'e',
      ' ',
      '\n',
      'a',
      '\\',
      'true',
      'null',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.array(alphabet).map((a) => a.join('')),
        ),
        (text) => {
          let valid = true;
          try {
            JSON.parse(text);
          } catch {
            valid = false;
          }
          expect(locateJsonError(text) === undefined).toBe(valid);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
