import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as prettier from 'prettier';
import { flowDocumentSchema } from '../flowSchema.js';
import type { FlowDocument } from '../flowSchema.js';
import { canonicalJson } from './canonicalJson.js';
import { canonicalFlowJson, flowContentHash } from './canonicalFlowJson.js';

const prettierConfig = await prettier.resolveConfig(new URL('../../../../package.json', import.meta.url));
const prettierFormat = (text: string) => prettier.format(text, { ...prettierConfig, parser: 'json' });

const doc: FlowDocument = flowDocumentSchema.parse({
  schemaVersion: 1,
  id: 'pizza',
  name: 'Pizza',
  variables: [{ name: 'size' }],
  settings: { globalKeywords: [{ keywords: ['menu', 'start over'], action: 'restart' }] },
  nodes: [
    { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: { keyword: 'pizza' } },
    {
      id: 'ask',
      type: 'ask',
      position: { x: 250, y: 10.5 },
      data: { question: 'Which size?', options: [{ id: 'l', title: 'Large' }], saveAs: 'size' },
    },
  ],
  edges: [{ id: 'e1', source: 'start', sourceHandle: 'next', target: 'ask' }],
});

/** The same object with its keys in reverse order, all the way down. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

describe('canonicalFlowJson', () => {
  it('writes the document in reading order, and Prettier would not change a byte', async () => {
    const text = canonicalFlowJson(doc);
    expect(Object.keys(JSON.parse(text))).toEqual([
      'schemaVersion',
      'id',
      'name',
      'variables',
      'settings',
      'nodes',
      'edges',
    ]);
    expect(text).toContain('"id": "ask",\n      "type": "ask",\n      "position": {\n        "x": 250,');
    expect(text).toContain('"keywords": ["menu", "start over"],');
    expect(await prettierFormat(text)).toBe(text);
    expect(JSON.parse(text)).toEqual(doc);
  });

  it('gives the same bytes whatever the key order of the input', () => {
    expect(canonicalFlowJson(reverseKeys(doc) as FlowDocument)).toBe(canonicalFlowJson(doc));
  });

  it('matches Prettier on arbitrary JSON (property)', async () => {
    // Text people type in flows: Latin with accents, CJK, Hangul, common emoji (with skin tones).
    const realistic = fc.constantFrom(
      'a',
      'Z',
      ' ',
      'é',
      'ñ',
      'ß',
      'Ж',
      'ع',
      '中',
      '文',
      'あ',
      '한',
      '😀',
      '🍕',
      '👍🏽',
      '\u0085',
    );
    const values = fc.sample(
      fc.oneof(
        fc.json({ maxDepth: 4 }).map((t) => JSON.parse(t) as unknown),
        fc.array(fc.integer({ min: -99999, max: 99999 }), { maxLength: 60 }),
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 12 }),
        fc.array(fc.array(fc.nat(), { maxLength: 3 }), { maxLength: 4 }),
        fc.dictionary(
          fc.string({ maxLength: 40 }),
          fc.array(fc.string({ unit: realistic, maxLength: 15 }), { maxLength: 8 }),
        ),
      ),
      300,
    );
    for (const value of values) {
      const text = canonicalJson(value);
      expect(await prettierFormat(text), text).toBe(text);
    }
  });
});

describe('flowContentHash', () => {
  it('is a sha256 hex that ignores key order, name and description', () => {
    const hash = flowContentHash(doc);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(flowContentHash(reverseKeys(doc) as FlowDocument)).toBe(hash);
    expect(flowContentHash({ ...doc, name: 'Renamed', description: 'new words' })).toBe(hash);
  });

  it('changes when what the flow does changes', () => {
    const hash = flowContentHash(doc);
    const edited = structuredClone(doc);
    (edited.nodes[1]!.data as { question: string }).question = 'Which size, really?';
    expect(flowContentHash(edited)).not.toBe(hash);
    expect(flowContentHash({ ...doc, edges: [] })).not.toBe(hash);
    expect(flowContentHash({ ...doc, settings: { ...doc.settings, coalesceMs: 500 } })).not.toBe(hash);
  });
});
