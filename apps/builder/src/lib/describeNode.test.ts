import { describe, expect, it } from 'vitest';
import { nodeLabel, nodeTexts, optionsDisplay } from './describeNode.js';
import { resolveManifestPorts } from './resolveManifestPorts.js';
import { groupManifests, rankManifests } from '../canvas/groupManifests.js';
import { blankFlow, slugify } from './blankFlow.js';
import { iconFor } from './iconFor.js';
import { fixtureManifests } from '../testing/fixtureManifests.js';
import { flowDocumentSchema } from '@parley/flow';

const choice = fixtureManifests.find((m) => m.type === 'choice')!;
const node = (options: Array<{ id: string; title: string }>, display = 'auto') => ({
  id: 'c',
  type: 'choice',
  position: { x: 0, y: 0 },
  data: { text: 'Pick {{name}}', display, options },
});
const titles = (n: number, length = 5) =>
  Array.from({ length: n }, (_, i) => ({ id: `o${i}`, title: `${i}`.padEnd(length, 'x') }));

describe('resolveManifestPorts', () => {
  it('expands per-item ports by the item id (never the index), then fixed ports', () => {
    const ports = resolveManifestPorts(
      choice.ports,
      node([
        { id: 'b', title: 'B' },
        { id: 'a', title: '' },
      ]).data,
    );
    expect(ports.map((p) => [p.id, p.label, p.kind])).toEqual([
      ['b', 'B', 'normal'],
      ['a', 'Option 2', 'normal'],
      ['fallback', 'Anything else', 'fallback'],
    ]);
  });
  it('skips items without an id and duplicate ids, and tolerates a missing array', () => {
    const ports = resolveManifestPorts(choice.ports, {
      options: [{ title: 'x' }, { id: 'a', title: 'A' }, { id: 'a', title: 'again' }],
    });
    expect(ports.map((p) => p.id)).toEqual(['a', 'fallback']);
    expect(resolveManifestPorts(choice.ports, {}).map((p) => p.id)).toEqual(['fallback']);
  });
});

describe('optionsDisplay', () => {
  const display = (n: ReturnType<typeof node>) =>
    optionsDisplay(n, resolveManifestPorts(choice.ports, n.data));
  it('picks buttons, a list or numbered text the way WhatsApp allows', () => {
    expect(display(node(titles(3)))).toBe('buttons');
    expect(display(node(titles(3, 21)))).toBe('list'); // a title too long for a button
    expect(display(node(titles(4)))).toBe('list');
    expect(display(node(titles(11)))).toBe('text');
    expect(display(node(titles(2), 'text'))).toBe('text');
    const n = node(titles(2));
    expect(optionsDisplay(n, resolveManifestPorts(choice.ports, n.data), false)).toBeNull(); // condition-like
  });
  it('is null for nodes without per-item exits', () => {
    const message = { id: 'm', type: 'message', position: { x: 0, y: 0 }, data: { text: 'x' } };
    expect(optionsDisplay(message, [{ id: 'next', label: 'Next', kind: 'normal' }])).toBeNull();
  });
});

describe('node descriptions', () => {
  it('labels nodes by their main text, shortened', () => {
    const message = fixtureManifests.find((m) => m.type === 'message')!;
    const n = { id: 'm', type: 'message', position: { x: 0, y: 0 }, data: { text: 'A'.repeat(60) } };
    expect(nodeTexts(n, message)).toEqual(['A'.repeat(60)]);
    expect(nodeLabel(n, message)).toBe(`Message · ${'A'.repeat(39)}…`);
    expect(nodeLabel({ ...n, data: {} }, message)).toBe('Message · m');
    expect(nodeLabel(n, undefined)).toBe(`message · m`);
  });
  it('groups the palette by category, hides start, and searches every word', () => {
    expect(groupManifests(fixtureManifests).map(([c, l]) => [c, l.map((m) => m.type)])).toEqual([
      ['Messages', ['message']],
      ['Questions', ['choice']],
    ]);
    expect(
      groupManifests(fixtureManifests, 'question options').flatMap(([, l]) => l.map((m) => m.type)),
    ).toEqual(['choice']);
    expect(groupManifests(fixtureManifests, 'nothing-like-this')).toEqual([]);
    expect(groupManifests(fixtureManifests, 'ext')).toEqual([]); // "text" does not start with "ext"
    const more = [
      ...fixtureManifests,
      { ...fixtureManifests[1]!, type: 'end', title: 'End', description: 'Ends it.' },
    ];
    expect(rankManifests(more, 'end').map((m) => m.type)).toEqual(['end']);
    expect(rankManifests(more, 'mess').map((m) => m.type)).toEqual(['message', 'end']); // title first, then category
    expect(rankManifests(more, 's').map((m) => m.type)[0]).toBe('message'); // "Send…" in its description
  });
  it('maps icon names to characters', () => {
    expect(iconFor('play', 'Start')).toBe('▶');
    expect(iconFor('unknown-icon', 'Order status')).toBe('O');
    expect(iconFor(undefined, 'x')).toBe('X');
  });
});

describe('blankFlow', () => {
  it('makes a valid flow with one start step and a slug id', () => {
    expect(slugify('  Pizza Órder! 2 ')).toBe('pizza-order-2');
    expect(slugify('!!!')).toBe('flow');
    const flow = blankFlow('pizza', 'Pizza', fixtureManifests);
    expect(flowDocumentSchema.safeParse(flow).success).toBe(true);
    expect(flow.nodes).toEqual([
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: { keywords: [] } },
    ]);
  });
});
