import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_TEMPLATE_LENGTH,
  MAX_TEMPLATE_VARIABLES,
  parseTemplate,
  templateSyntaxProblems,
  templateVariables,
} from './parseTemplate.js';

describe('parseTemplate', () => {
  it('splits text and placeholders, with paths and fallbacks', () => {
    expect(parseTemplate('Hi {{ name }}, your {{order.items.0.title}} ships {{when | "soon"}}.')).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'var', path: ['name'], raw: '{{ name }}' },
      { kind: 'text', text: ', your ' },
      { kind: 'var', path: ['order', 'items', '0', 'title'], raw: '{{order.items.0.title}}' },
      { kind: 'text', text: ' ships ' },
      { kind: 'var', path: ['when'], fallback: 'soon', raw: '{{when | "soon"}}' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('reads single quotes, escapes and braces inside fallbacks', () => {
    expect(templateVariables(`{{a|'it\\'s'}}{{b | "x}}y"}}`)).toEqual([
      { kind: 'var', path: ['a'], fallback: "it's", raw: `{{a|'it\\'s'}}` },
      { kind: 'var', path: ['b'], fallback: 'x}}y', raw: '{{b | "x}}y"}}' },
    ]);
  });

  it('keeps text without placeholders whole, and the empty text empty', () => {
    expect(parseTemplate('plain { text }')).toEqual([{ kind: 'text', text: 'plain { text }' }]);
    expect(parseTemplate('')).toEqual([]);
  });

  it('treats extra braces as text: {{{name}}}', () => {
    expect(parseTemplate('{{{name}}}')).toEqual([
      { kind: 'text', text: '{' },
      { kind: 'var', path: ['name'], raw: '{{name}}' },
      { kind: 'text', text: '}' },
    ]);
  });

  it('keeps malformed placeholders as typed and reports them', () => {
    const text = 'Hi {{first name}} {{}} {{x.__proto__}} {{ok';
    expect(parseTemplate(text)).toEqual([{ kind: 'text', text }]);
    expect(templateSyntaxProblems(text).map((p) => [p.raw, p.reason])).toEqual([
      ['{{first name}}', 'a name uses letters, digits, _ and dots; a fallback is in quotes after |'],
      ['{{}}', 'it names no variable'],
      ['{{x.__proto__}}', '"__proto__" is not allowed in a name'],
      ['{{ok', 'it is not closed with }}'],
    ]);
    expect(templateSyntaxProblems('Hi {{name}}')).toEqual([]);
  });

  it('caps the length and the number of placeholders', () => {
    const long = `{{a}}${'x'.repeat(MAX_TEMPLATE_LENGTH)}`;
    expect(parseTemplate(long)).toEqual([{ kind: 'text', text: long }]);
    const many = '{{v}}'.repeat(MAX_TEMPLATE_VARIABLES + 5);
    expect(templateVariables(many)).toHaveLength(MAX_TEMPLATE_VARIABLES);
    expect(parseTemplate(many).at(-1)).toEqual({ kind: 'text', text: '{{v}}'.repeat(5) });
  });

  it('round-trips: the segments put together give the text back', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('{', '}', 'a', '.', ' ', '|', '"', '_', '1') }),
        (text) => {
          const joined = parseTemplate(text)
            .map((s) => (s.kind === 'text' ? s.text : s.raw))
            .join('');
          expect(joined).toBe(text);
        },
      ),
    );
  });

  it('stays fast on hostile input', () => {
    const hostile = '{{'.repeat(MAX_TEMPLATE_LENGTH / 2);
    const started = performance.now();
    parseTemplate(hostile);
    templateSyntaxProblems(`{{ "${'\\'.repeat(5000)}`);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
