import { z } from 'zod';
import type { NodeTypeCatalog, NodeTypeInfo, PortInfo } from '../nodeTypeCatalog.js';
import { parseNodeConfig } from '../issues/friendlyZodIssues.js';
import { checkReplyButtons, checkTextLength } from './checkWhatsAppLimits.js';

/**
 * A small node catalogue for the flow package's own tests, shaped like @parley/nodes' registry:
 * a trigger, a speaking node, a question with one port per option plus a fallback, a timer,
 * a goto, and a node type that throws (a buggy plugin).
 */

const next: PortInfo[] = [{ id: 'next', label: 'Next', kind: 'normal' }];

function nodeType(
  info: Partial<NodeTypeInfo> & Pick<NodeTypeInfo, 'type' | 'parseConfig' | 'portsOf'>,
): NodeTypeInfo {
  return {
    title: info.type,
    isTrigger: false,
    waitsForInput: false,
    templateFieldsOf: () => [],
    variablesSetBy: () => [],
    ...info,
  };
}

const startSchema = z.object({ keyword: z.string().max(50).optional() });
const saySchema = z.object({ text: z.string().min(1), set: z.string().optional() });
const askSchema = z.object({
  question: z.string().min(1),
  options: z.array(z.object({ id: z.string().min(1), title: z.string() })).default([]),
  saveAs: z.string().optional(),
});
const waitSchema = z.object({ seconds: z.number().int().min(1) });
const gotoSchema = z.object({ target: z.string().min(1) });

type Say = z.output<typeof saySchema>;
type Ask = z.output<typeof askSchema>;
type Goto = z.output<typeof gotoSchema>;

const types: NodeTypeInfo[] = [
  nodeType({
    type: 'start',
    isTrigger: true,
    parseConfig: (data) => parseNodeConfig(startSchema, data),
    portsOf: () => next,
  }),
  nodeType({
    type: 'say',
    parseConfig: (data) => parseNodeConfig(saySchema, data),
    portsOf: () => next,
    templateFieldsOf: (config) => [{ path: ['text'], text: (config as Say).text }],
    variablesSetBy: (config) => ((config as Say).set === undefined ? [] : [(config as Say).set as string]),
    checkConfig: (config) => checkTextLength((config as Say).text, 'textBody', ['text']),
  }),
  nodeType({
    type: 'ask',
    waitsForInput: true,
    parseConfig: (data) => parseNodeConfig(askSchema, data),
    portsOf: (config) => [
      ...(config as Ask).options.map((o): PortInfo => ({ id: o.id, label: o.title, kind: 'normal' })),
      {
        id: 'fallback',
        label: 'Anything else',
        kind: 'fallback',
        whenUnconnected: 'The question is asked again.',
      },
    ],
    templateFieldsOf: (config) => [{ path: ['question'], text: (config as Ask).question }],
    variablesSetBy: (config) =>
      (config as Ask).saveAs === undefined ? [] : [(config as Ask).saveAs as string],
    checkConfig: (config) => checkReplyButtons((config as Ask).options, ['options']),
  }),
  nodeType({
    type: 'wait',
    parseConfig: (data) => parseNodeConfig(waitSchema, data),
    portsOf: () => next,
    waitsForTimer: () => true,
  }),
  nodeType({
    type: 'goto',
    parseConfig: (data) => parseNodeConfig(gotoSchema, data),
    portsOf: () => [],
    jumpTargetsOf: (config) => [(config as Goto).target],
  }),
  nodeType({
    type: 'end',
    parseConfig: () => ({ ok: true, config: {} }),
    portsOf: () => [],
  }),
  nodeType({
    type: 'buggy',
    parseConfig: () => ({ ok: true, config: {} }),
    portsOf: () => {
      throw new Error('portsOf exploded');
    },
  }),
];

/** The test catalogue: `start`, `say`, `ask`, `wait`, `goto`, `end`, `buggy`. */
export const testCatalog: NodeTypeCatalog = {
  get: (type) => types.find((t) => t.type === type),
};
