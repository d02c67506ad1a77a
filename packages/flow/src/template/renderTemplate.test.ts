import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_RENDERED_VALUE_LENGTH, renderTemplate } from './renderTemplate.js';

describe('renderTemplate', () => {
  const vars = {
    name: 'Ana',
    count: 3,
    price: 12.5,
    paid: false,
    empty: '',
    nothing: null,
    order: { items: [{ title: 'Tea' }], total: 7 },
    contact: { name: 'Ana P.' },
  };

  it('fills variables, nested paths and array indexes', () => {
    expect(
      renderTemplate('Hi {{name}}, {{count}} items, {{order.items.0.title}} for {{ price }}', vars),
    ).toBe('Hi Ana, 3 items, Tea for 12.5');
    expect(renderTemplate('{{contact.name}} {{paid}}', vars)).toBe('Ana P. false');
  });

  it('prints objects and lists as JSON', () => {
    expect(renderTemplate('{{order.items}}', vars)).toBe('[{"title":"Tea"}]');
  });

  it('uses the fallback, or nothing, for missing, null and empty values', () => {
    expect(renderTemplate('Hi {{missing | "friend"}}!', vars)).toBe('Hi friend!');
    expect(renderTemplate('Hi {{missing}}!', vars)).toBe('Hi !');
    expect(
      renderTemplate('[{{nothing}}][{{empty|"-"}}][{{name.length}}][{{order.items.5.title}}]', vars),
    ).toBe('[][-][][]');
  });

  it('never reaches the prototype', () => {
    const text =
      '{{constructor}}{{toString}}{{name.constructor}}{{order.__proto__}}{{hasOwnProperty | "no"}}';
    // Forbidden names are not placeholders at all (the linter flags them); inherited ones are missing.
    expect(renderTemplate(text, vars)).toBe('{{constructor}}{{name.constructor}}{{order.__proto__}}no');
    expect(
      renderTemplate('{{valueOf}}', Object.create({ valueOf: 'inherited' }) as Record<string, unknown>),
    ).toBe('');
  });

  it('survives cycles, throwing getters, symbols and functions', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    const big = { n: 10n, fn: () => 1, sym: Symbol('s'), nan: Number.NaN };
    const text =
      '{{cyclic | "c"}}{{throwing.boom | "t"}}{{throwing | "j"}}{{big.n}}{{big.fn}}{{big.sym}}{{big.nan}}{{big | "b"}}';
    expect(renderTemplate(text, { cyclic, throwing, big })).toBe('ctj10b');
  });

  it('caps what one value may add', () => {
    expect(renderTemplate('{{long}}', { long: 'x'.repeat(10_000) })).toHaveLength(MAX_RENDERED_VALUE_LENGTH);
  });

  it('never throws and never prints "undefined" (property)', () => {
    const texts = fc.oneof(
      fc.string(),
      fc
        .array(
          fc.oneof(
            fc.string(),
            fc.constantFrom(
              '{{a}}',
              '{{a.b}}',
              '{{ b.0 | "x" }}',
              '{{__proto__}}',
              '{{c.constructor}}',
              '{{',
            ),
          ),
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(texts, fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.anything()), (text, values) => {
        const out = renderTemplate(text, values);
        expect(typeof out).toBe('string');
        if (!text.includes('undefined')) expect(out).not.toContain('undefined');
      }),
    );
  });
});
