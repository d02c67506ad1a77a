import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './serverProcess.js';

const at = (x: number) => ({ x, y: 0 });

/** `echo`: every message gets exactly one reply, `echo <text>`, then the conversation ends. */
export const echoFlow = {
  schemaVersion: 1,
  id: 'echo',
  name: 'Echo',
  description: 'Fault battery: one reply per message, carrying its text.',
  variables: [],
  settings: {},
  nodes: [
    { id: 'start', type: 'start', position: at(0), data: { mode: 'any' } },
    { id: 'say', type: 'message', position: at(300), data: { text: 'echo {{message.text}}' } },
    { id: 'done', type: 'end', position: at(600), data: {} },
  ],
  edges: [
    { id: 'e1', source: 'start', sourceHandle: 'next', target: 'say' },
    { id: 'e2', source: 'say', sourceHandle: 'next', target: 'done' },
  ],
};

/** Reply sent by {@link echoFlow} to `text`. */
export const echoOf = (text: string) => `echo ${text}`;

/**
 * `bubbles`: the message `many` is answered by `count` bubbles (`bubble 1..count`); any other
 * message by one `echo <text>` (pacing test).
 */
export function bubblesFlow(count: number) {
  const nodes: unknown[] = [
    { id: 'start', type: 'start', position: at(0), data: { mode: 'any' } },
    // A condition reads variables, not the message: copy the text into one first.
    {
      id: 'keep',
      type: 'set',
      position: at(150),
      data: { operations: [{ op: 'set', variable: 'said', value: '{{message.text}}' }] },
    },
    {
      id: 'pick',
      type: 'condition',
      position: at(300),
      data: {
        branches: [
          {
            id: 'many',
            label: 'many',
            join: 'all',
            rules: [{ variable: 'said', operator: 'equals', value: 'many', caseSensitive: false }],
          },
        ],
      },
    },
    { id: 'say', type: 'message', position: at(600), data: { text: 'echo {{message.text}}' } },
    { id: 'done', type: 'end', position: at(900), data: {} },
  ];
  const edges: unknown[] = [
    { id: 'e-start', source: 'start', sourceHandle: 'next', target: 'keep' },
    { id: 'e-keep', source: 'keep', sourceHandle: 'next', target: 'pick' },
    { id: 'e-else', source: 'pick', sourceHandle: 'else', target: 'say' },
    { id: 'e-say', source: 'say', sourceHandle: 'next', target: 'done' },
  ];
  let previous = { node: 'pick', port: 'many' };
  for (let i = 1; i <= count; i++) {
    nodes.push({ id: `b${i}`, type: 'message', position: at(600 + i * 300), data: { text: `bubble ${i}` } });
    edges.push({ id: `e-b${i}`, source: previous.node, sourceHandle: previous.port, target: `b${i}` });
    previous = { node: `b${i}`, port: 'next' };
  }
  edges.push({ id: 'e-b-end', source: previous.node, sourceHandle: 'next', target: 'done' });
  return {
    schemaVersion: 1,
    id: 'bubbles',
    name: 'Bubbles',
    description: 'Fault battery: pacing.',
    variables: [],
    settings: {},
    nodes,
    edges,
  };
}

/**
 * `timers`: the message text `d<N>s <tag>` arms a durable delay of bucket N seconds, answered
 * `armed <tag>` now and `fired <tag>` when the timer fires; `cancel` (a global keyword) cancels it.
 */
export function timersFlow(bucketsSeconds: number[]) {
  const nodes: unknown[] = [
    { id: 'start', type: 'start', position: at(0), data: { mode: 'any' } },
    { id: 'armed', type: 'message', position: at(300), data: { text: 'armed {{message.text}}' } },
    // A condition reads variables, not the message: copy the text into one first.
    {
      id: 'keep',
      type: 'set',
      position: at(450),
      data: { operations: [{ op: 'set', variable: 'tag', value: '{{message.text}}' }] },
    },
    {
      id: 'pick',
      type: 'condition',
      position: at(600),
      data: {
        branches: bucketsSeconds.map((s) => ({
          id: `d${s}`,
          label: `${s} s`,
          join: 'all',
          rules: [{ variable: 'tag', operator: 'starts_with', value: `d${s}s`, caseSensitive: false }],
        })),
      },
    },
    { id: 'fired', type: 'message', position: at(1200), data: { text: 'fired {{tag}}' } },
    { id: 'done', type: 'end', position: at(1500), data: {} },
    { id: 'cancelled', type: 'message', position: at(1200), data: { text: 'cancelled' } },
    { id: 'cancel-end', type: 'end', position: at(1500), data: {} },
  ];
  const edges: unknown[] = [
    { id: 'e-start', source: 'start', sourceHandle: 'next', target: 'armed' },
    { id: 'e-armed', source: 'armed', sourceHandle: 'next', target: 'keep' },
    { id: 'e-keep', source: 'keep', sourceHandle: 'next', target: 'pick' },
    { id: 'e-else', source: 'pick', sourceHandle: 'else', target: 'done' },
    { id: 'e-fired', source: 'fired', sourceHandle: 'next', target: 'done' },
    { id: 'e-cancelled', source: 'cancelled', sourceHandle: 'next', target: 'cancel-end' },
  ];
  for (const s of bucketsSeconds) {
    nodes.push({
      id: `wait${s}`,
      type: 'delay',
      position: at(900),
      data: { amount: s, unit: 'seconds', typing: false },
    });
    edges.push({ id: `e-pick-${s}`, source: 'pick', sourceHandle: `d${s}`, target: `wait${s}` });
    edges.push({ id: `e-wait-${s}`, source: `wait${s}`, sourceHandle: 'next', target: 'fired' });
  }
  return {
    schemaVersion: 1,
    id: 'timers',
    name: 'Timers',
    description: 'Fault battery: durable timers.',
    variables: [],
    settings: { globalKeywords: [{ keywords: ['cancel'], action: 'goto', nodeId: 'cancelled' }] },
    nodes,
    edges,
  };
}

/** A fresh temp folder holding a copy of the repository's flows plus `extra` flows. */
export async function flowsDirWith(extra: Array<{ id: string }>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-faults-flows-'));
  await cp(path.join(repoRoot, 'flows'), dir, { recursive: true });
  for (const flow of extra) await writeFile(path.join(dir, `${flow.id}.json`), JSON.stringify(flow, null, 2));
  return dir;
}
