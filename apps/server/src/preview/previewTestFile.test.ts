import { describe, expect, it } from 'vitest';
import { mergePreviewTest, previewToTestFile } from './previewTestFile.js';

const recorded = previewToTestFile('demo', [
  { seq: 1, kind: 'user', at: 1, message: { text: 'hi' } },
  { seq: 2, kind: 'bot', at: 2, message: { type: 'text', text: 'Hello!' } },
  { seq: 3, kind: 'status', at: 3, status: 'read' },
]);

describe('previewToTestFile', () => {
  it('records turns as the preview contact', () => {
    expect(recorded).toEqual({
      flow: 'demo',
      description: 'Recorded in the builder preview.',
      contact: { name: 'Preview' },
      turns: [{ user: 'hi', bot: [{ text: 'Hello!' }] }],
    });
  });
});

describe('mergePreviewTest', () => {
  it('is the recording itself when there is no file yet', () => {
    expect(mergePreviewTest(undefined, recorded)).toBe(recorded);
  });

  it('appends a case to a cases file, with a name no other case has', () => {
    const existing = {
      cases: [
        { name: 'by hand', turns: [{ user: 'x', bot: [] }] },
        { name: 'Recorded in the builder preview', turns: [{ user: 'y', bot: [] }] },
      ],
    };
    const merged = mergePreviewTest(existing, recorded) as { cases: Array<{ name: string }> };
    expect(merged.cases.slice(0, 2)).toEqual(existing.cases);
    expect(merged.cases[2]).toEqual({
      name: 'Recorded in the builder preview (2)',
      contact: { name: 'Preview' },
      turns: recorded.turns,
    });
  });

  it('turns a single-turns file into cases, keeping its turns, contact and mocks', () => {
    const existing = {
      flow: 'demo',
      description: 'Happy path',
      contact: { name: 'Ada' },
      http: [{ url: '/x', status: 200 }],
      turns: [{ user: 'a', bot: [] }],
    };
    expect(mergePreviewTest(existing, recorded)).toEqual({
      flow: 'demo',
      description: 'Happy path',
      cases: [
        {
          name: 'Happy path',
          contact: { name: 'Ada' },
          http: [{ url: '/x', status: 200 }],
          turns: existing.turns,
        },
        { name: 'Recorded in the builder preview', contact: { name: 'Preview' }, turns: recorded.turns },
      ],
    });
  });

  it('refuses what is not a test file', () => {
    expect(mergePreviewTest(null, recorded)).toBeNull();
    expect(mergePreviewTest([1, 2], recorded)).toBeNull();
    expect(mergePreviewTest({ flow: 'demo' }, recorded)).toBeNull();
  });
});
