import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { outboundMessageSchema } from '@parley/flow';
import { checkOutbound, parseCommonOutbound } from './checkOutbound.js';

/** Keys in order, undefined-valued keys included: what `toStrictEqual` alone does not compare. */
function entries(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(entries);
  if (typeof value === 'object' && value !== null)
    return Object.keys(value).map((key) => [key, entries((value as Record<string, unknown>)[key])]);
  return value;
}

const anyValue = fc.oneof(
  fc.constantFrom('', 'x', 'Hello', undefined, null, 0, 1.5, true, false),
  fc.string({ maxLength: 3 }),
  fc.constant([]),
  fc.constant({}),
);
const stringish = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('a', 'Pick one') }, anyValue);
const button = fc.record(
  { id: stringish, title: stringish, extra: anyValue },
  { requiredKeys: ['id', 'title'] },
);
const row = fc.record(
  { id: stringish, title: stringish, description: stringish, extra: anyValue },
  { requiredKeys: ['id', 'title'] },
);
const section = fc.record(
  { title: stringish, rows: fc.oneof(fc.array(row, { maxLength: 3 }), anyValue), extra: anyValue },
  { requiredKeys: ['rows'] },
);
const message = fc.oneof(
  fc.record(
    { type: fc.constant('text'), text: stringish, previewUrl: fc.oneof(fc.boolean(), anyValue), x: anyValue },
    { requiredKeys: ['type', 'text'] },
  ),
  fc.record(
    {
      type: fc.constant('buttons'),
      body: stringish,
      header: stringish,
      footer: stringish,
      mediaHeader: fc.oneof(fc.constant({ kind: 'image', link: 'https://x' }), anyValue),
      buttons: fc.oneof(fc.array(button, { maxLength: 4 }), anyValue),
      x: anyValue,
    },
    { requiredKeys: ['type', 'body', 'buttons'] },
  ),
  fc.record(
    {
      type: fc.constant('list'),
      body: stringish,
      header: stringish,
      footer: stringish,
      buttonLabel: stringish,
      sections: fc.oneof(fc.array(section, { maxLength: 3 }), anyValue),
      x: anyValue,
    },
    { requiredKeys: ['type', 'body', 'buttonLabel', 'sections'] },
  ),
  fc.record({ type: fc.constantFrom('media', 'template', 'location', 'nope'), name: stringish }),
  anyValue,
);

describe('checkOutbound', () => {
  it('the hand check accepts only what the schema accepts, and returns what the schema returns (property)', () => {
    let taken = 0;
    fc.assert(
      fc.property(message, (input) => {
        const fast = parseCommonOutbound(input);
        const parsed = outboundMessageSchema.safeParse(input);
        if (fast === null) return;
        taken += 1;
        expect(parsed.success).toBe(true);
        expect(entries(fast)).toStrictEqual(entries(parsed.data));
        expect(fast).not.toBe(input);
      }),
      { numRuns: 3000 },
    );
    // The generator must reach the hand check's accepting paths, or the property says nothing.
    expect(taken).toBeGreaterThan(150);
  });

  it('takes the hand check for the messages the built-in nodes send', () => {
    const samples = [
      { type: 'text', text: 'Hi' },
      { type: 'buttons', body: 'Sure?', footer: '', buttons: [{ id: 'yes', title: 'Yes' }] },
      {
        type: 'list',
        body: 'Which pizza?',
        header: 'Parley Pizza',
        buttonLabel: 'See pizzas',
        sections: [{ title: 'Classics', rows: [{ id: 'm', title: 'Margherita', description: '€9' }] }],
      },
    ];
    for (const sample of samples) {
      expect(parseCommonOutbound(sample)).toStrictEqual(outboundMessageSchema.parse(sample));
    }
  });

  it("reports the schema's issues for an invalid message", () => {
    expect(checkOutbound({ type: 'text', text: '' })).toEqual({
      ok: false,
      detail: expect.stringMatching(/^text: /),
    });
    expect(checkOutbound({ type: 'location', latitude: 1, longitude: 2 })).toEqual({
      ok: true,
      message: { type: 'location', latitude: 1, longitude: 2 },
    });
  });
});
