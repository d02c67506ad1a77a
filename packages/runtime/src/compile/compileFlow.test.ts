import { describe, expect, it } from 'vitest';
import { buildFlow } from '../testing/buildFlow.js';
import { createTestRegistry } from '../testing/testNodes.js';
import { compileFlow } from './compileFlow.js';
import { persistMachineSnapshot, restoreMachineSnapshot } from './restoreMachineSnapshot.js';

const registry = createTestRegistry();
const flow = buildFlow({
  nodes: [
    ['start', 'start'],
    [
      'ask.size',
      'choice',
      {
        question: 'Size?',
        options: [
          { id: 's', title: 'Small' },
          { id: 'l', title: 'Large' },
        ],
      },
    ],
    ['small', 'message', { text: 'Small it is' }],
  ],
  edges: [
    ['start', 'next', 'ask.size'],
    ['ask.size', 's', 'small'],
  ],
});

describe('compileFlow', () => {
  it('makes one state per node and routes ports to connected nodes (dangling ports end)', () => {
    const result = compileFlow(flow, registry);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const { compiled } = result;
    expect([...compiled.nodes.keys()]).toEqual(['start', 'ask.size', 'small']);
    const ask = compiled.nodes.get('ask.size')!;
    expect(ask.waitsForInput).toBe(true);
    expect(ask.ports.map((port) => port.id)).toEqual(['s', 'l', 'fallback']);
    const at = compiled.stepper.transition(compiled.stepper.initial, {
      type: 'flow.jump',
      nodeId: 'ask.size',
    });
    expect(compiled.nodeOfKey.get(at.value as string)).toBe('ask.size');
    expect(at.hasTag('asks')).toBe(true);
    const small = compiled.stepper.transition(at, { type: 'node.exit', port: 's' });
    expect(compiled.nodeOfKey.get(small.value as string)).toBe('small');
    expect(compiled.stepper.transition(at, { type: 'node.exit', port: 'l' }).value).toBe('__end');
    expect(compiled.triggers.map((node) => node.id)).toEqual(['start']);
  });

  it('caches per registry, flow id and content hash', () => {
    const first = compileFlow(flow, registry);
    const again = compileFlow(structuredClone(flow), registry);
    const changed = compileFlow({ ...flow, name: 'Other name' }, registry);
    expect(first.ok && again.ok && first.compiled === again.compiled).toBe(true);
    expect(first.ok && changed.ok && first.compiled !== changed.compiled).toBe(true);
  });

  it('refuses a flow the linter rejects, with the lint errors', () => {
    const looping = buildFlow({
      nodes: [
        ['start', 'start'],
        ['a', 'message', { text: 'Hi {{nobody}}' }],
        ['b', 'goto', { target: { kind: 'node', nodeId: 'a' } }],
      ],
      edges: [
        ['start', 'next', 'a'],
        ['a', 'next', 'b'],
      ],
    });
    const result = compileFlow(looping, registry);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.code)).toEqual(
      expect.arrayContaining(['flow.loop_without_input', 'variable.undefined']),
    );
  });

  it('refuses unknown node types, invalid configs and broken edges with node ids', () => {
    const broken = buildFlow({
      nodes: [
        ['start', 'start'],
        ['x', 'acme/unknown'],
        ['c', 'choice', { options: [] }],
      ],
      edges: [
        ['start', 'next', 'ghost'],
        ['start', 'nope', 'c'],
      ],
    });
    const result = compileFlow(broken, registry);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => [issue.code, issue.nodeId ?? issue.edgeId])).toEqual(
      expect.arrayContaining([
        ['node.type.unknown', 'x'],
        ['node.config.invalid', 'c'],
        ['edge.target.missing', 'start-next-ghost'],
        ['edge.port.missing', 'start'],
      ]),
    );
  });

  it('persists and restores a snapshot, refusing a state the machine does not have', () => {
    const result = compileFlow(flow, registry);
    if (!result.ok) throw new Error('compile failed');
    const { stepper } = result.compiled;
    const at = stepper.transition(stepper.initial, { type: 'flow.jump', nodeId: 'small' });
    const persisted = JSON.parse(JSON.stringify(persistMachineSnapshot(stepper, at)));
    expect(restoreMachineSnapshot(stepper, persisted)?.value).toBe(at.value);
    expect(restoreMachineSnapshot(stepper, { ...persisted, value: 'n99' })).toBeNull();
    expect(restoreMachineSnapshot(stepper, 'garbage')).toBeNull();
  });
});
