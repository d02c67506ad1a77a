import { describe, expect, it } from 'vitest';
import { createEditorStore, isDirty } from './createEditorStore.js';
import { createSequentialIds } from '../lib/createIdGenerator.js';
import { fixtureFlow, fixtureManifests } from '../testing/fixtureManifests.js';
import { parseFragment } from './clipboard.js';

function setup() {
  const store = createEditorStore({ newId: createSequentialIds() });
  store.getState().setManifests(fixtureManifests);
  store.getState().load(fixtureFlow());
  return store;
}
const doc = (store: ReturnType<typeof setup>) => store.getState().doc!;

describe('editor store: undo/redo', () => {
  it('undoes and redoes one action per step', () => {
    const store = setup();
    const id = store.getState().addNode('message', { x: 10.4, y: 20.6 });
    expect(id).toBe('message-1');
    expect(doc(store).nodes.find((n) => n.id === id)?.position).toEqual({ x: 10, y: 21 });
    expect(isDirty(store.getState())).toBe(true);
    store.getState().undo();
    expect(doc(store).nodes.some((n) => n.id === id)).toBe(false);
    expect(isDirty(store.getState())).toBe(false);
    store.getState().redo();
    expect(doc(store).nodes.some((n) => n.id === id)).toBe(true);
    store.getState().redo(); // nothing left: no change
    expect(store.getState().future).toHaveLength(0);
  });

  it('merges typing in one field into one step, and a new field starts a new step', () => {
    const store = setup();
    for (const text of ['H', 'He', 'Hel', 'Hello']) store.getState().setNodeData('bye', { text }, 'bye:text');
    store.getState().setNodeData('hello', { text: 'Changed' }, 'hello:text');
    expect(store.getState().past).toHaveLength(2);
    store.getState().undo();
    expect(store.getState().nodeIndex.get('hello')?.data).toEqual({ text: 'Hi {{name}}' });
    expect(store.getState().nodeIndex.get('bye')?.data).toEqual({ text: 'Hello' });
    store.getState().undo();
    expect(store.getState().nodeIndex.get('bye')?.data).toEqual({ text: 'Bye' });
  });

  it('ends a typing step on blur (endMerge), so the next keystrokes are a new step', () => {
    const store = setup();
    store.getState().setNodeData('bye', { text: 'A' }, 'bye:text');
    store.getState().endMerge();
    store.getState().setNodeData('bye', { text: 'AB' }, 'bye:text');
    expect(store.getState().past).toHaveLength(2);
  });

  it('undoes a deletion with its edges in one step, and a new action clears redo', () => {
    const store = setup();
    store.getState().select(['ask']);
    store.getState().deleteSelection();
    expect(doc(store).nodes.map((n) => n.id)).not.toContain('ask');
    expect(doc(store).edges.map((e) => e.id)).toEqual(['e1']);
    store.getState().undo();
    expect(doc(store).edges.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    store.getState().redo();
    store.getState().undo();
    store.getState().addNode('message', { x: 0, y: 0 });
    expect(store.getState().future).toHaveLength(0);
  });

  it('records a drag as one step when it ends, and nothing for a click without movement', () => {
    const store = setup();
    store.getState().beginDrag();
    for (let x = 1; x <= 5; x += 1)
      store.getState().dragNodes(new Map([['hello', { x: 300 + x * 10, y: 0 }]]));
    store.getState().endDrag();
    expect(store.getState().past).toHaveLength(1);
    store.getState().beginDrag();
    store.getState().endDrag();
    expect(store.getState().past).toHaveLength(1);
    store.getState().undo();
    expect(store.getState().nodeIndex.get('hello')?.position).toEqual({ x: 300, y: 0 });
  });

  it('caps the history', () => {
    const store = createEditorStore({ newId: createSequentialIds(), historyLimit: 3 });
    store.getState().setManifests(fixtureManifests);
    store.getState().load(fixtureFlow());
    for (let i = 0; i < 5; i += 1) store.getState().addNode('message', { x: i, y: 0 });
    expect(store.getState().past).toHaveLength(3);
  });

  it('does nothing when read-only', () => {
    const store = setup();
    store.getState().setReadOnly(true);
    expect(store.getState().addNode('message', { x: 0, y: 0 })).toBeNull();
    store.getState().deleteElements({ nodeIds: ['hello'] });
    expect(doc(store).nodes).toHaveLength(4);
  });
});

describe('editor store: connections and ports', () => {
  it('keeps one edge per source handle (replacing the old one) and refuses bad connections', () => {
    const store = setup();
    expect(store.getState().connect({ source: 'ask', sourceHandle: 'yes', target: 'hello' })).toBe(true);
    expect(doc(store).edges.filter((e) => e.source === 'ask' && e.sourceHandle === 'yes')).toHaveLength(1);
    expect(doc(store).edges.find((e) => e.sourceHandle === 'yes')?.target).toBe('hello');
    expect(store.getState().notice).toMatch(/already had a connection/);
    expect(store.getState().connect({ source: 'ask', sourceHandle: 'yes', target: 'ask' })).toBe(false);
    expect(store.getState().connect({ source: 'ask', sourceHandle: 'nope', target: 'bye' })).toBe(false);
    expect(store.getState().connect({ source: 'bye', sourceHandle: 'next', target: 'start' })).toBe(false);
    expect(store.getState().notice).toMatch(/start/);
  });

  it('drops the edge of a removed option in the same undoable step', () => {
    const store = setup();
    const before = doc(store);
    store
      .getState()
      .setNodeData('ask', { ...before.nodes[2]!.data, options: [{ id: 'no', title: 'No' }] }, 'ask:options');
    expect(doc(store).edges.some((e) => e.id === 'e3')).toBe(false);
    expect(store.getState().notice).toMatch(/Removed 1 connection/);
    store.getState().undo();
    expect(doc(store)).toBe(before);
  });

  it('keeps edges when options are reordered (handles are option ids, not indexes)', () => {
    const store = setup();
    store.getState().setNodeData('ask', {
      text: 'x',
      options: [
        { id: 'no', title: 'No' },
        { id: 'yes', title: 'Yes' },
      ],
    });
    expect(doc(store).edges.find((e) => e.id === 'e3')).toMatchObject({ sourceHandle: 'yes', target: 'bye' });
  });

  it('adds a node connected from a dropped connection in one step', () => {
    const store = setup();
    const id = store.getState().addNode('message', { x: 0, y: 300 }, { nodeId: 'ask', handleId: 'no' });
    expect(doc(store).edges.find((e) => e.source === 'ask' && e.sourceHandle === 'no')?.target).toBe(id);
    store.getState().undo();
    expect(doc(store).edges).toHaveLength(3);
    expect(doc(store).nodes).toHaveLength(4);
  });

  it('never deletes the start node', () => {
    const store = setup();
    store.getState().deleteElements({ nodeIds: ['start', 'bye'] });
    expect(doc(store).nodes.map((n) => n.id)).toEqual(['start', 'hello', 'ask']);
    expect(store.getState().notice).toMatch(/start step cannot be deleted/);
  });

  it('prunes edges whose port vanished when loading, and says so', () => {
    const store = setup();
    const flow = fixtureFlow();
    flow.edges.push({ id: 'ghost', source: 'ask', sourceHandle: 'gone', target: 'bye' });
    store.getState().load(flow);
    expect(doc(store).edges.some((e) => e.id === 'ghost')).toBe(false);
    expect(store.getState().notice).toMatch(/Removed 1 connection/);
    expect(isDirty(store.getState())).toBe(true);
  });
});

describe('editor store: copy, paste, duplicate, tidy up', () => {
  it('pastes nodes with new ids and their inner edges as one undo step', () => {
    const store = setup();
    store.getState().select(['ask', 'bye']);
    const fragment = store.getState().copySelection()!;
    const roundTrip = parseFragment(JSON.stringify(fragment))!;
    const ids = store.getState().paste(roundTrip, { x: 1000, y: 500 });
    expect(ids).toEqual(['choice-1', 'message-1']);
    const pasted = doc(store).nodes.find((n) => n.id === 'choice-1')!;
    expect(pasted.position).toEqual({ x: 1000, y: 500 });
    expect(doc(store).edges.find((e) => e.source === 'choice-1')).toMatchObject({
      sourceHandle: 'yes',
      target: 'message-1',
    });
    expect(store.getState().selectedNodeIds).toEqual(ids);
    store.getState().undo();
    expect(doc(store).nodes).toHaveLength(4);
  });

  it('does not paste a second start node, and ignores clipboard text that is not flow JSON', () => {
    const store = setup();
    store.getState().select(['start']);
    expect(store.getState().duplicateSelection()).toEqual([]);
    expect(parseFragment('hello')).toBeNull();
    expect(parseFragment('{"nodes": 3}')).toBeNull();
    expect(parseFragment('{"nodes": [{"id": "x"}]}')).toBeNull();
  });

  it('pastes a whole exported flow from another flow', () => {
    const store = setup();
    const ids = store.getState().paste(parseFragment(JSON.stringify(fixtureFlow()))!);
    expect(ids).toHaveLength(3); // the start node is skipped
    expect(doc(store).nodes).toHaveLength(7);
  });

  it('tidies up left to right, keeping button order, as one step', () => {
    const store = setup();
    store.getState().addNode('message', { x: 0, y: 900 }, { nodeId: 'ask', handleId: 'no' });
    store.getState().tidyUp();
    const pos = (id: string) => store.getState().nodeIndex.get(id)!.position;
    expect(pos('start').x).toBeLessThan(pos('hello').x);
    expect(pos('hello').x).toBeLessThan(pos('ask').x);
    expect(pos('bye').y).toBeLessThan(pos('message-1').y); // "yes" above "no"
    const before = store.getState().past.length;
    store.getState().undo();
    expect(store.getState().past.length).toBe(before - 1);
  });
});
