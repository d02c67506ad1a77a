import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { renderConfig } from './renderConfig.js';
import { lookupPath, renderText } from './renderText.js';

describe('renderConfig', () => {
  it('renders only the template fields, copying the branches it changes', () => {
    const config = {
      question: 'Hi {{name | "friend"}}',
      options: [{ title: '{{a.b}}' }, { title: 'plain' }],
      other: { keep: true },
    };
    const rendered = renderConfig(
      config,
      [
        { path: ['question'], text: config.question },
        { path: ['options', 0, 'title'], text: '{{a.b}}' },
      ],
      { a: { b: 'deep' } },
    ) as typeof config;
    expect(rendered).toEqual({
      question: 'Hi friend',
      options: [{ title: 'deep' }, { title: 'plain' }],
      other: { keep: true },
    });
    expect(rendered.other).toBe(config.other);
    expect(config.question).toBe('Hi {{name | "friend"}}');
  });
});

describe('renderText and lookupPath', () => {
  it('reads nested paths through own properties only', () => {
    expect(lookupPath({ order: { items: [{ title: 'Pizza' }] } }, 'order.items.0.title')).toBe('Pizza');
    expect(lookupPath({}, 'constructor')).toBeUndefined();
    expect(lookupPath({ a: {} }, 'a.__proto__')).toBeUndefined();
    expect(renderText('{{toString}}|{{a.constructor}}', { a: {} })).not.toMatch(/function|Object/);
  });

  it('never throws and never prints "undefined" (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.dictionary(fc.string(), fc.jsonValue()), (text, vars) => {
        const out = renderText(`${text}{{x}}{{y.z | "d"}}`, vars);
        expect(out.includes('undefined') && !`${text}${JSON.stringify(vars)}`.includes('undefined')).toBe(
          false,
        );
      }),
    );
  });
});
