import type { AnyStateMachine } from 'xstate';
import type { FlowDocument, FlowSettings, NodeTypeInfo, PortInfo, TemplateField } from '@parley/flow';
import type { NodeDefinition } from '@parley/nodes';
import { catalogOf, resolveNodeType, type RuntimeRegistry } from '../registry/RuntimeRegistry.js';
import { checkFlowForRun, type RunIssue } from './checkFlowForRun.js';
import { buildFlowMachine, type MachineNodeSpec } from './flowMachine.js';
import { createMachineStepper, type MachineStepper } from './machineStepper.js';
import { lintForRun } from './lintForRun.js';
import { hashText } from './hashText.js';

/** One node, ready to execute: parsed config, ports, where each port leads. */
export interface CompiledNode {
  id: string;
  /** Its state key in the machine. */
  key: string;
  type: string;
  config: unknown;
  ports: PortInfo[];
  /** Port id → target node id; null when the port is not connected (the conversation ends). */
  targets: Map<string, string | null>;
  templateFields: TemplateField[];
  definition: NodeDefinition;
  info: NodeTypeInfo;
  waitsForInput: boolean;
  isTrigger: boolean;
}

/** A flow compiled for the engine: its machine plus the node table the executors need. */
export interface CompiledFlow {
  flow: FlowDocument;
  hash: string;
  settings: FlowSettings;
  machine: AnyStateMachine;
  /** Pure, allocation-light transitions of `machine`. */
  stepper: MachineStepper;
  nodes: Map<string, CompiledNode>;
  /** State key → node id. */
  nodeOfKey: Map<string, string>;
  triggers: CompiledNode[];
  /** Declared variables with their defaults (the starting `vars` of a conversation). */
  initialVars: Record<string, unknown>;
}

export type CompileResult = { ok: true; compiled: CompiledFlow } | { ok: false; issues: RunIssue[] };

const caches = new WeakMap<object, Map<string, CompiledFlow>>();
const CACHE_LIMIT = 200;

/**
 * Compiles a flow into an xstate machine and a node table, refusing a flow the linter rejects
 * (it is never half-run). Cached per registry by flow id + content hash.
 * @example
 * const result = compileFlow(flow, registry);
 * if (!result.ok) console.error(result.issues);
 */
export function compileFlow(
  flow: FlowDocument,
  registry: RuntimeRegistry,
  options: { hash?: string } = {},
): CompileResult {
  const hash = options.hash ?? hashText(JSON.stringify(flow));
  const key = `${flow.id}:${hash}`;
  let cache = caches.get(registry);
  if (!cache) {
    cache = new Map();
    caches.set(registry, cache);
  }
  const cached = cache.get(key);
  if (cached) return { ok: true, compiled: cached };
  const result = compileUncached(flow, registry, hash);
  if (result.ok) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, result.compiled);
  }
  return result;
}

function compileUncached(flow: FlowDocument, registry: RuntimeRegistry, hash: string): CompileResult {
  const catalog = catalogOf(registry);
  const issues = checkFlowForRun(flow, catalog);
  if (issues.length === 0) issues.push(...lintForRun(flow, catalog));
  if (issues.length > 0) return { ok: false, issues };

  const nodes = new Map<string, CompiledNode>();
  const nodeOfKey = new Map<string, string>();
  flow.nodes.forEach((node, index) => {
    const resolved = resolveNodeType(registry, node.type);
    if (!resolved) throw new Error(`unreachable: ${node.type} checked above`);
    const parsed = resolved.info.parseConfig(node.data);
    if (!parsed.ok) throw new Error(`unreachable: ${node.id} checked above`);
    const ports = resolved.info.portsOf(parsed.config);
    const compiled: CompiledNode = {
      id: node.id,
      key: `n${index}`,
      type: node.type,
      config: parsed.config,
      ports,
      targets: new Map(ports.map((port) => [port.id, null])),
      templateFields: resolved.info
        .templateFieldsOf(parsed.config)
        .filter((field) => field.text.includes('{{')),
      definition: resolved.definition,
      info: resolved.info,
      waitsForInput: typeof resolved.definition.onReply === 'function',
      isTrigger: resolved.info.isTrigger,
    };
    nodes.set(node.id, compiled);
    nodeOfKey.set(compiled.key, node.id);
  });
  for (const edge of flow.edges) nodes.get(edge.source)?.targets.set(edge.sourceHandle, edge.target);

  const specs: MachineNodeSpec[] = [...nodes.values()].map((node) => ({
    id: node.id,
    key: node.key,
    waitsForInput: node.waitsForInput,
    exits: [...node.targets].map(([port, target]) => ({
      port,
      targetKey: target === null ? null : (nodes.get(target)?.key ?? null),
    })),
  }));
  const initialVars: Record<string, unknown> = {};
  for (const variable of flow.variables)
    if (variable.default !== undefined) initialVars[variable.name] = variable.default;
  const machine = buildFlowMachine(flow.id, specs);
  return {
    ok: true,
    compiled: {
      flow,
      hash,
      settings: flow.settings,
      machine,
      stepper: createMachineStepper(machine),
      nodes,
      nodeOfKey,
      triggers: [...nodes.values()].filter((node) => node.isTrigger),
      initialVars,
    },
  };
}
