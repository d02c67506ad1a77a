import { describe, expect, expectTypeOf, it } from 'vitest';
import { flowIssueSchema, formatIssue, formatJsonPath } from './flowIssue.js';
import { createIssue, FLOW_ISSUE_CATALOG, issueMessage } from './issueCatalog.js';
import type { FlowIssueCode, FlowIssueParams } from './issueCatalog.js';

describe('formatJsonPath', () => {
  it('writes paths as developers read them', () => {
    expect(formatJsonPath(['nodes', 3, 'data', 'options', 1, 'title'])).toBe(
      'nodes[3].data.options[1].title',
    );
    expect(formatJsonPath(['data', 'odd key', 0])).toBe('data["odd key"][0]');
    expect(formatJsonPath([])).toBe('');
  });
});

describe('formatIssue', () => {
  const issue = createIssue(
    'limit.button.title',
    { title: 'Yes, please confirm my order', length: 32, max: 20 },
    { nodeId: 'ask-size', path: ['nodes', 3, 'data', 'options', 1, 'title'] },
  );

  it('gives one line with file, node, path and words', () => {
    expect(formatIssue(issue, 'flows/x.json')).toBe(
      `flows/x.json: node "ask-size" (nodes[3].data.options[1].title): Button 'Yes, please confirm my order' is 32 characters; WhatsApp allows 20.`,
    );
    expect(formatIssue(issue)).toMatch(/^node "ask-size" \(nodes\[3\]/);
  });

  it('marks warnings and names connections', () => {
    const warning = createIssue(
      'port.unconnected',
      { port: 'No' },
      { edgeId: 'e1', path: [], severity: 'warning' },
    );
    expect(formatIssue(warning, 'f.json')).toBe(
      'f.json: connection "e1": warning: Exit "No" is not connected: a conversation leaving by it ends there.',
    );
    expect(formatIssue(createIssue('flow.start.missing', {}, { path: [] }))).toBe(
      'The flow has no start node. Add one trigger node: conversations begin there.',
    );
  });
});

describe('the issue catalogue', () => {
  it('builds valid issues with the default severity, or the one asked for', () => {
    const issue = createIssue('node.unreachable', {}, { path: ['nodes', 0], nodeId: 'a' });
    expect(flowIssueSchema.parse(issue)).toEqual({
      code: 'node.unreachable',
      severity: 'warning',
      message: 'No path leads to this node from the start node, so it never runs.',
      path: ['nodes', 0],
      nodeId: 'a',
    });
    expect(createIssue('node.unreachable', {}, { path: [], severity: 'error' }).severity).toBe('error');
  });

  it('words every code as a sentence', () => {
    for (const code of Object.keys(FLOW_ISSUE_CATALOG) as Array<keyof typeof FLOW_ISSUE_CATALOG>) {
      const params = {
        line: 1,
        column: 2,
        detail: 'Detail.',
        size: 9,
        max: 5,
        value: 'v',
        version: 3,
        supported: 1,
        from: 0,
        to: 1,
        count: 4,
        ids: ['a', 'b'],
        id: 'x',
        type: 't',
        target: 'b',
        port: 'p',
        source: 'a',
        ports: [],
        targets: ['b', 'c'],
        name: 'n',
        file: 'f.json',
        key: 'k',
        raw: '{{n}}',
        reason: 'r',
        keyword: 'k',
        label: 'L',
        length: 30,
        title: 'T',
        position: 1,
        section: 1,
        row: 1,
      };
      const message = issueMessage(code, params as never);
      expect(message, code).toMatch(/^[A-Z"'{]/);
      expect(message, code).toMatch(/[.)]$/);
      expect(message, code).not.toContain('undefined');
    }
  });
});

describe('types', () => {
  it('checks catalogue parameters at compile time', () => {
    expectTypeOf(createIssue).parameter(0).toEqualTypeOf<FlowIssueCode>();
    expectTypeOf<FlowIssueParams<'edge.target.missing'>>().toEqualTypeOf<{ target: string }>();
    // @ts-expect-error -- the message needs the target's id
    expect(() => createIssue('edge.target.missing', {}, { path: [] })).not.toThrow();
  });
});
