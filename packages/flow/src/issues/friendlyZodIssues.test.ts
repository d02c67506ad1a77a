import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseFriendly, parseNodeConfig } from './friendlyZodIssues.js';
import { describeField } from './describeField.js';

const schema = z.object({
  text: z.string().min(1).max(10),
  buttons: z.array(z.object({ id: z.string(), title: z.string().max(20) })).max(3),
  slug: z.string().regex(/^[a-z]+$/, { error: 'Use lowercase letters only' }),
  delaySeconds: z.number().int().min(1).max(60).default(5),
  mode: z.enum(['fast', 'slow']).default('fast'),
});

describe('parseFriendly', () => {
  it('returns the parsed value with defaults applied', () => {
    const result = parseFriendly(schema, { text: 'hi', buttons: [], slug: 'ok' });
    expect(result).toEqual({
      ok: true,
      value: { text: 'hi', buttons: [], slug: 'ok', delaySeconds: 5, mode: 'fast' },
    });
  });

  it('words each problem for a non-developer, with the value and the limit', () => {
    const result = parseFriendly(schema, {
      text: '',
      buttons: [{ id: 'a', title: 'Yes, please confirm my order' }],
      slug: 'Nope',
      delaySeconds: 600,
      mode: 'medium',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = Object.fromEntries(result.issues.map((i) => [i.path.join('.'), i.message]));
    expect(byPath).toEqual({
      text: 'Text is empty; fill it in.',
      'buttons.0.title':
        "Button 1's title 'Yes, please confirm my order' is 28 characters; the most allowed is 20.",
      slug: 'Slug: Use lowercase letters only',
      delaySeconds: 'Delay seconds is 600; it must be at most 60.',
      mode: 'Mode is \'medium\'; choose one of "fast", "slow".',
    });
  });

  it('names missing fields and wrong types', () => {
    const result = parseFriendly(schema, { text: 3, buttons: 'x' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.issues.map((i) => i.message);
    expect(messages).toContain('Text should be text, not the number 3.');
    expect(messages).toContain("Buttons should be a list, not the text 'x'.");
    expect(messages).toContain('Slug is missing.');
  });

  it('counts list items', () => {
    const result = parseNodeConfig(schema, {
      text: 'a',
      slug: 'a',
      buttons: [1, 2, 3, 4].map((n) => ({ id: `${n}`, title: `${n}` })),
    });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: ['buttons'], message: 'Buttons has 4 items; at most 3 allowed.' }],
    });
  });
});

describe('describeField', () => {
  it('says which item of which list', () => {
    expect(describeField(['sections', 0, 'rows', 2, 'description'])).toBe("Row 3's description");
    expect(describeField(['options', 1])).toBe('Option 2');
    expect(describeField(['categories', 0, 'buttonLabel'])).toBe("Category 1's button label");
    expect(describeField(['edges', 2, 'sourceHandle'])).toBe("Connection 3's exit");
    expect(describeField([])).toBe('The flow');
  });
});
