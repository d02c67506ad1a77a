import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { canonicalFlowJson } from '../canonical/canonicalFlowJson.js';
import type { FlowDocumentInput } from '../flowSchema.js';
import { parseFlow } from '../load/parseFlow.js';
import { flowJsonSchema, renderFlowJsonSchema } from './flowJsonSchema.js';

const root = new URL('../../../../', import.meta.url);
const committed = new URL('packages/flow/flow.schema.json', root);

const examples: Record<string, FlowDocumentInput> = {
  minimal: { schemaVersion: 1, id: 'hello', name: 'Hello', nodes: [] },
  full: {
    $schema: '../packages/flow/flow.schema.json',
    schemaVersion: 1,
    id: 'pizza-order',
    name: 'Pizza order',
    description: 'Takes a pizza order.',
    variables: [{ name: 'size', type: 'string', default: 'medium', description: 'Chosen size' }],
    settings: {
      globalKeywords: [
        { keywords: ['menu'], action: 'goto', nodeId: 'ask' },
        { keywords: ['reset'], action: 'restart' },
      ],
      optOut: { enabled: true, stopWords: ['STOP', 'UNSUBSCRIBE'] },
      coalesceMs: 1500,
      inactivityTimeoutMinutes: 60,
      versionPolicy: 'latest',
      staleReply: 'jump',
    },
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: { keyword: 'pizza' } },
      { id: 'ask', type: 'ask', position: { x: 200, y: 0 }, data: { question: 'Size?', options: [] } },
    ],
    edges: [{ id: 'e1', source: 'start', sourceHandle: 'next', target: 'ask', targetHandle: null }],
  },
};

const broken: Record<string, unknown> = {
  'no name': { schemaVersion: 1, id: 'x', nodes: [] },
  'bad id': { schemaVersion: 1, id: 'Not OK', name: 'X', nodes: [] },
  'node without position': { schemaVersion: 1, id: 'x', name: 'X', nodes: [{ id: 'a', type: 'start' }] },
  'edge without port': {
    schemaVersion: 1,
    id: 'x',
    name: 'X',
    nodes: [],
    edges: [{ id: 'e', source: 'a', target: 'b' }],
  },
  'bad setting': { schemaVersion: 1, id: 'x', name: 'X', nodes: [], settings: { versionPolicy: 'newest' } },
};

const validate = new Ajv2020({ strict: false }).compile(flowJsonSchema());

describe('flow.schema.json', () => {
  it('is committed and equal to a fresh generation (run packages/flow/scripts/generate-schema.ts)', async () => {
    expect(await readFile(committed, 'utf8')).toBe(renderFlowJsonSchema());
  });

  it('describes the document: required fields, types, limits', () => {
    const schema = flowJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['schemaVersion', 'id', 'name', 'nodes']);
  });

  it.each(Object.entries(examples))(
    'a JSON Schema validator and parseFlow both accept the %s example',
    (_, doc) => {
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      const parsed = parseFlow(doc);
      expect(parsed.ok).toBe(true);
      // And what we write back validates too.
      if (parsed.ok) expect(validate(JSON.parse(canonicalFlowJson(parsed.flow)))).toBe(true);
    },
  );

  it.each(Object.entries(broken))('both reject a document with %s', (_, doc) => {
    expect(validate(doc)).toBe(false);
    expect(parseFlow(doc).ok).toBe(false);
  });

  it('accepts every flow in flows/ (transcript tests, *.test.json, are not flows)', async () => {
    const dir = new URL('flows/', root);
    const files = (await readdir(dir).catch(() => [] as string[])).filter(
      (name) => name.endsWith('.json') && !name.endsWith('.test.json'),
    );
    for (const file of files) {
      const value: unknown = JSON.parse(await readFile(new URL(file, dir), 'utf8'));
      expect(validate(value), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(parseFlow(value).ok, file).toBe(true);
    }
  });
});
