import { describe, expect, it } from 'vitest';
import { formatIssue } from '../issues/flowIssue.js';
import { parseFlow, parseFlowJson } from './parseFlow.js';

const minimal = {
  schemaVersion: 1,
  id: 'pizza',
  name: 'Pizza',
  nodes: [{ id: 'start', type: 'trigger', position: { x: 0, y: 0 } }],
};

describe('parseFlow', () => {
  it('returns the typed flow with defaults applied', () => {
    const result = parseFlow(minimal);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.migratedFrom).toBeUndefined();
    expect(result.flow.edges).toEqual([]);
    expect(result.flow.variables).toEqual([]);
    expect(result.flow.nodes[0]?.data).toEqual({});
    expect(result.flow.settings.optOut.stopWords).toEqual(['STOP']);
    expect(result.flow.settings.versionPolicy).toBe('pinned');
  });

  it('warns about unknown top-level fields, which would be dropped on save', () => {
    const result = parseFlow({ ...minimal, edgse: [] });
    expect(result).toMatchObject({
      ok: true,
      warnings: [
        {
          code: 'flow.field.unknown',
          severity: 'warning',
          path: ['edgse'],
          message:
            '"edgse" is not a field of a flow file, so it is ignored and dropped when the flow is saved. Check its spelling.',
        },
      ],
    });
    expect(parseFlow(minimal)).not.toHaveProperty('warnings');
  });

  it('upgrades older files and says from which version', () => {
    const { schemaVersion: _omit, ...legacy } = minimal;
    const result = parseFlow({
      ...legacy,
      vars: ['size'],
      edges: [{ source: 'start', sourcePort: 'next', target: 'start' }],
    });
    expect(result).toMatchObject({
      ok: true,
      migratedFrom: 0,
      flow: { variables: [{ name: 'size', type: 'string' }], edges: [{ sourceHandle: 'next' }] },
    });
  });

  it('names the node, the path and the problem in plain words', () => {
    const result = parseFlow({
      ...minimal,
      id: 'Pizza Bot',
      nodes: [
        { id: 'start', type: 'trigger', position: { x: 0, y: 0 } },
        { id: 'ask-size', type: 'question', position: { x: 'left', y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'ask-size' }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => formatIssue(i, 'flows/pizza.json'))).toEqual([
      'flows/pizza.json (id): Id: Use lowercase letters, digits and dashes only',
      'flows/pizza.json: node "ask-size" (nodes[1].position.x): X should be a number, not the text \'left\'.',
      'flows/pizza.json: connection "e1" (edges[0].sourceHandle): Connection 1\'s exit is missing.',
    ]);
    expect(result.issues[1]).toMatchObject({
      code: 'flow.field.invalid',
      severity: 'error',
      nodeId: 'ask-size',
    });
  });

  it('reports missing fields and wrong top-level types', () => {
    const result = parseFlow({ schemaVersion: 1, name: 42, nodes: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.message)).toEqual([
      'Id is missing.',
      'Name should be text, not the number 42.',
      'Nodes should be a list, not a group of fields.',
    ]);
  });

  it('refuses oversize strings with their length', () => {
    const result = parseFlow({ ...minimal, name: 'x'.repeat(130) });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]?.message).toMatch(/^Name 'x+…' is 130 characters; the most allowed is 120\.$/);
  });

  it('never throws, whatever it is given', () => {
    for (const value of [undefined, null, 0, 'x', [], () => 1, Symbol('s'), new Map(), { nodes: [null] }]) {
      expect(() => parseFlow(value)).not.toThrow();
      expect(parseFlow(value).ok).toBe(false);
    }
  });
});

describe('parseFlowJson', () => {
  it('reads a file, even with a byte order mark', () => {
    expect(parseFlowJson(`\uFEFF${JSON.stringify(minimal)}`).ok).toBe(true);
  });

  it('locates malformed JSON by line and column', () => {
    const result = parseFlowJson('{\n  "id": "x",\n  "nodes": [],\n}\n');
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          code: 'json.syntax',
          severity: 'error',
          path: [],
          line: 4,
          column: 1,
          message: 'The file is not valid JSON at line 4, column 1: remove the comma before "}"',
        },
      ],
    });
    if (!result.ok)
      expect(formatIssue(result.issues[0]!, 'flows/x.json')).toBe(
        'flows/x.json (line 4, column 1): The file is not valid JSON at line 4, column 1: remove the comma before "}"',
      );
  });

  it('says when the file is empty or not an object', () => {
    expect(parseFlowJson('  \n')).toMatchObject({ ok: false, issues: [{ code: 'json.empty' }] });
    expect(parseFlowJson('[1, 2]')).toMatchObject({ ok: false, issues: [{ code: 'flow.not_object' }] });
  });
});
