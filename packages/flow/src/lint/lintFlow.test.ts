import { describe, expect, it } from 'vitest';
import type { FlowDocumentInput } from '../flowSchema.js';
import { flowDocumentSchema } from '../flowSchema.js';
import type { FlowIssue } from '../issues/flowIssue.js';
import { lintFlow } from './lintFlow.js';
import { testCatalog } from './testCatalog.js';

type NodeInput = { id: string; type: string; data?: Record<string, unknown> };
type EdgeInput = { id?: string; source: string; sourceHandle?: string; target: string };

function flow(nodes: NodeInput[], edges: EdgeInput[], extra: Partial<FlowDocumentInput> = {}) {
  return flowDocumentSchema.parse({
    schemaVersion: 1,
    id: 'test',
    name: 'Test',
    nodes: nodes.map((n, i) => ({ position: { x: i * 10, y: 0 }, data: {}, ...n })),
    edges: edges.map((e, i) => ({ id: e.id ?? `e${i}`, sourceHandle: 'next', ...e })),
    ...extra,
  } satisfies FlowDocumentInput);
}

const lint = (doc: ReturnType<typeof flow>) => lintFlow(doc, testCatalog);
const summary = (issues: FlowIssue[]) =>
  issues.map((i) => `${i.code} ${i.nodeId ?? i.edgeId ?? '-'} ${i.path.join('.')}`);

const askOptions = {
  question: 'Large or small, {{contact.name}}?',
  saveAs: 'size',
  options: [
    { id: 'large', title: 'Large' },
    { id: 'small', title: 'Small' },
  ],
};

/** A flow that breaks no rule: a question loop that waits, a timer, a jump, a declared variable. */
const clean = () =>
  flow(
    [
      { id: 'start', type: 'start' },
      { id: 'hello', type: 'say', data: { text: 'Hi {{contact.name | "there"}}, {{greeting}}' } },
      { id: 'ask', type: 'ask', data: askOptions },
      { id: 'big', type: 'say', data: { text: 'A {{size}} one, noted.', set: 'order.size' } },
      { id: 'pause', type: 'wait', data: { seconds: 5 } },
      { id: 'again', type: 'say', data: { text: 'Let us try that again. {{order.size}}' } },
      { id: 'jump', type: 'goto', data: { target: 'ask' } },
    ],
    [
      { source: 'start', target: 'hello' },
      { source: 'hello', target: 'ask' },
      { source: 'ask', sourceHandle: 'large', target: 'big' },
      { source: 'ask', sourceHandle: 'small', target: 'pause' },
      { source: 'big', target: 'ask' },
      { source: 'pause', target: 'again' },
      { source: 'again', target: 'jump' },
    ],
    { variables: [{ name: 'greeting', default: 'welcome' }] },
  );

describe('lintFlow', () => {
  it('passes a clean flow and returns the parsed configs', () => {
    const result = lint(clean());
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.nodeConfigs.get('ask')).toEqual(askOptions);
    expect(result.nodeConfigs.size).toBe(7);
  });

  it('flow.start.missing: no trigger', () => {
    const result = lint(flow([{ id: 'hello', type: 'say', data: { text: 'hi' } }], []));
    expect(summary(result.errors)).toEqual(['flow.start.missing - nodes']);
    // Without a start node, "unreachable" would flag everything: it is not reported.
    expect(summary(result.warnings)).toEqual(['port.unconnected hello nodes.0']);
  });

  it('flow.start.multiple: two triggers, each marked', () => {
    const result = lint(
      flow(
        [
          { id: 'a', type: 'start' },
          { id: 'b', type: 'start' },
          { id: 'end', type: 'end' },
        ],
        [
          { source: 'a', target: 'end' },
          { source: 'b', target: 'end' },
        ],
      ),
    );
    expect(summary(result.errors)).toEqual([
      'flow.start.multiple a nodes.0',
      'flow.start.multiple b nodes.1',
    ]);
    expect(result.errors[0]?.message).toBe(
      'The flow has 2 start nodes ("a", "b"); it needs exactly one. Remove the others.',
    );
  });

  it('edge.source.missing, edge.target.missing, edge.port.missing, edge.target.trigger, edge.id.duplicate', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'ask', type: 'ask', data: askOptions },
          { id: 'end', type: 'end' },
        ],
        [
          { id: 'e1', source: 'start', target: 'ask' },
          { id: 'e2', source: 'ghost', target: 'ask' },
          { id: 'e3', source: 'ask', sourceHandle: 'large', target: 'nowhere' },
          { id: 'e4', source: 'ask', sourceHandle: 'medium', target: 'end' },
          { id: 'e4', source: 'ask', sourceHandle: 'small', target: 'start' },
        ],
      ),
    );
    expect(summary(result.errors)).toEqual([
      'edge.source.missing e2 edges.1.source',
      'edge.target.missing e3 edges.2.target',
      'edge.port.missing e4 edges.3.sourceHandle',
      'edge.id.duplicate e4 edges.4.id',
      'edge.target.trigger e4 edges.4.target',
    ]);
    expect(result.errors[2]?.message).toBe(
      'This connection leaves node "ask" by exit "medium", which that node does not have (its exits: "large", "small", "fallback").',
    );
  });

  it('edge.duplicate_port: one exit, two connections', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'a', type: 'end' },
          { id: 'b', type: 'end' },
        ],
        [
          { source: 'start', target: 'a' },
          { source: 'start', target: 'b' },
        ],
      ),
    );
    expect(summary(result.errors)).toEqual(['edge.duplicate_port e1 edges.1.sourceHandle']);
    expect(result.errors[0]?.message).toBe(
      'Exit "Next" of node "start" has 2 connections (to "a", "b"); an exit can lead to one place only.',
    );
  });

  it('node.type.unknown and node.id.duplicate', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'x', type: 'acme/crm' },
          { id: 'start', type: 'end' },
        ],
        [{ source: 'start', target: 'x' }],
      ),
    );
    expect(summary(result.errors)).toEqual([
      'node.type.unknown x nodes.1.type',
      'node.id.duplicate start nodes.2.id',
    ]);
  });

  it('node.config.invalid: the node schema, in plain words with the node and data path', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'w', type: 'wait', data: { seconds: 'soon' } },
        ],
        [{ source: 'start', target: 'w' }],
      ),
    );
    expect(result.errors).toEqual([
      {
        code: 'node.config.invalid',
        severity: 'error',
        nodeId: 'w',
        path: ['nodes', 1, 'data', 'seconds'],
        message: "Seconds should be a number, not the text 'soon'.",
      },
    ]);
    expect(result.nodeConfigs.has('w')).toBe(false);
  });

  it('limit.*: WhatsApp limits from the node checks, with the node id and the full path', () => {
    const options = [
      { id: 'a', title: 'Yes, please confirm my order' },
      { id: 'b', title: 'No' },
      { id: 'c', title: 'Maybe' },
      { id: 'd', title: 'Later' },
    ];
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'ask-size', type: 'ask', data: { question: 'Sure?', options } },
          { id: 'end', type: 'end' },
        ],
        [
          { source: 'start', target: 'ask-size' },
          ...options.map((o) => ({ source: 'ask-size', sourceHandle: o.id, target: 'end' })),
        ],
      ),
    );
    expect(summary(result.errors)).toEqual([
      'limit.buttons.too_many ask-size nodes.1.data.options',
      'limit.button.title ask-size nodes.1.data.options.0.title',
    ]);
    expect(result.errors[1]?.message).toBe(
      "Button 'Yes, please confirm my order' is 28 characters; WhatsApp allows 20.",
    );
    const long = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 's', type: 'say', data: { text: 'x'.repeat(5000) } },
        ],
        [{ source: 'start', target: 's' }],
      ),
    );
    expect(summary(long.errors)).toEqual(['limit.text.too_long s nodes.1.data.text']);
  });

  it('port.unconnected: a dangling exit is a warning, unless its default is documented', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'ask', type: 'ask', data: askOptions },
        ],
        [{ source: 'start', target: 'ask' }],
      ),
    );
    expect(result.errors).toEqual([]);
    expect(summary(result.warnings)).toEqual([
      'port.unconnected ask nodes.1',
      'port.unconnected ask nodes.1',
    ]);
    expect(result.warnings[0]?.message).toBe(
      'Exit "Large" is not connected: a conversation leaving by it ends there.',
    );
  });

  it('node.unreachable: nothing leads there (jumps and keywords count)', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'jump', type: 'goto', data: { target: 'via-jump' } },
          { id: 'via-jump', type: 'end' },
          { id: 'via-keyword', type: 'end' },
          { id: 'island', type: 'end' },
        ],
        [{ source: 'start', target: 'jump' }],
        { settings: { globalKeywords: [{ keywords: ['menu'], action: 'goto', nodeId: 'via-keyword' }] } },
      ),
    );
    expect(result.errors).toEqual([]);
    expect(summary(result.warnings)).toEqual(['node.unreachable island nodes.4']);
  });

  it('node.jump_target.missing and settings.keyword_target.missing', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'jump', type: 'goto', data: { target: 'gone' } },
        ],
        [{ source: 'start', target: 'jump' }],
        {
          settings: { globalKeywords: [{ keywords: ['help'], action: 'visit', nodeId: 'nope' }] },
        },
      ),
    );
    expect(summary(result.errors)).toEqual([
      'node.jump_target.missing jump nodes.1.data',
      'settings.keyword_target.missing - settings.globalKeywords.0.nodeId',
    ]);
  });

  it('flow.loop_without_input: a cycle through edges and jumps where nothing waits', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'a', type: 'say', data: { text: 'a' } },
          { id: 'b', type: 'say', data: { text: 'b' } },
          { id: 'jump', type: 'goto', data: { target: 'a' } },
        ],
        [
          { source: 'start', target: 'a' },
          { source: 'a', target: 'b' },
          { source: 'b', target: 'jump' },
        ],
      ),
    );
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: 'flow.loop_without_input',
        nodeId: 'a',
        relatedNodeIds: ['a', 'b', 'jump'],
        path: ['nodes', 1],
      }),
    ]);
    expect(result.errors[0]?.message).toMatch(/^Nodes "a", "b", "jump" form a loop where nothing waits/);
    const selfLoop = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'a', type: 'say', data: { text: 'a' } },
        ],
        [
          { source: 'start', target: 'a' },
          { source: 'a', target: 'a' },
        ],
      ),
    );
    expect(summary(selfLoop.errors)).toEqual(['flow.loop_without_input a nodes.1']);
  });

  it('variable.undefined: error without fallback, warning with one; template.invalid', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 's', type: 'say', data: { text: 'Hi {{nmae}} {{city | "there"}} {{first name}} {{now}}' } },
        ],
        [{ source: 'start', target: 's' }],
      ),
    );
    expect(summary(result.errors)).toEqual(['variable.undefined s nodes.1.data.text']);
    expect(result.errors[0]?.message).toBe(
      '{{nmae}} uses the variable "nmae", which no node sets and the flow does not declare, so it would always show as empty.',
    );
    expect(summary(result.warnings)).toEqual([
      'port.unconnected s nodes.1',
      'template.invalid s nodes.1.data.text',
      'variable.undefined s nodes.1.data.text',
    ]);
  });

  it('variable.duplicate', () => {
    const result = lint(
      flow([{ id: 'start', type: 'start' }], [], { variables: [{ name: 'a' }, { name: 'a' }] }),
    );
    expect(summary(result.errors)).toEqual(['variable.duplicate - variables.1.name']);
  });

  it('node.type.failed: a node type that throws is reported, not thrown', () => {
    const result = lint(
      flow(
        [
          { id: 'start', type: 'start' },
          { id: 'bad', type: 'buggy' },
        ],
        [{ source: 'start', target: 'bad' }],
      ),
    );
    expect(summary(result.errors)).toEqual(['node.type.failed bad nodes.1']);
    expect(result.errors[0]?.message).toContain('portsOf exploded');
    const throwingCatalog = {
      get: () => {
        throw new Error('registry down');
      },
    };
    expect(summary(lintFlow(clean(), throwingCatalog).errors)).toContain('node.type.failed start nodes.0');
  });
});
