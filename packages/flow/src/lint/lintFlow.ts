import type { FlowDocument } from '../flowSchema.js';
import type { FlowIssue, JsonPath } from '../issues/flowIssue.js';
import { createIssue } from '../issues/issueCatalog.js';
import type { ConfigIssue, NodeTypeCatalog, NodeTypeInfo, PortInfo } from '../nodeTypeCatalog.js';
import { findCycles } from './findCycles.js';
import { lintVariables } from './lintVariables.js';

export interface LintResult {
  errors: FlowIssue[];
  warnings: FlowIssue[];
  /** Parsed config (defaults applied) of every node whose `data` is valid, by node id. */
  nodeConfigs: Map<string, unknown>;
}

/** A node the linter could read: its type's info and, when its data is valid, its config. */
export interface LintedNode {
  id: string;
  index: number;
  info: NodeTypeInfo;
  /** Present only when the config parsed. */
  config?: unknown;
  ports?: PortInfo[];
}

function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Calls into a node type (possibly a third-party plugin); a throw becomes an issue, not a crash.
 * Returns undefined when it threw.
 */
function guarded<T>(
  issues: FlowIssue[],
  node: { id: string; index: number; type: string },
  call: () => T,
): T | undefined {
  try {
    return call();
  } catch (error) {
    issues.push(
      createIssue(
        'node.type.failed',
        { type: node.type, detail: errorMessage(error) },
        { path: ['nodes', node.index], nodeId: node.id },
      ),
    );
    return undefined;
  }
}

function configIssue(issue: ConfigIssue, index: number, nodeId: string): FlowIssue {
  const severity = issue.severity ?? 'error';
  return {
    code: issue.code ?? (severity === 'error' ? 'node.config.invalid' : 'node.config.warning'),
    severity,
    message: issue.message,
    nodeId,
    path: ['nodes', index, 'data', ...issue.path],
  };
}

/** Reads every node through its type: unknown types, duplicate ids, config issues, ports. */
function lintNodes(
  flow: FlowDocument,
  catalog: NodeTypeCatalog,
  issues: FlowIssue[],
): Map<string, LintedNode> {
  const nodes = new Map<string, LintedNode>();
  const seen = new Set<string>();
  flow.nodes.forEach((node, index) => {
    const at = { id: node.id, index, type: node.type };
    const duplicate = seen.has(node.id);
    seen.add(node.id);
    if (duplicate) {
      issues.push(
        createIssue('node.id.duplicate', { id: node.id }, { path: ['nodes', index, 'id'], nodeId: node.id }),
      );
      return;
    }
    let info: NodeTypeInfo | undefined;
    try {
      info = catalog.get(node.type);
    } catch (error) {
      const detail = errorMessage(error);
      issues.push(
        createIssue(
          'node.type.failed',
          { type: node.type, detail },
          { path: ['nodes', index], nodeId: node.id },
        ),
      );
      return;
    }
    if (info === undefined) {
      issues.push(
        createIssue(
          'node.type.unknown',
          { type: node.type },
          { path: ['nodes', index, 'type'], nodeId: node.id },
        ),
      );
      return;
    }
    const linted: LintedNode = { id: node.id, index, info };
    nodes.set(node.id, linted);
    const parsed = guarded(issues, at, () => info.parseConfig(node.data));
    if (parsed === undefined) return;
    if (!parsed.ok) {
      issues.push(...parsed.issues.map((issue) => configIssue(issue, index, node.id)));
      return;
    }
    const ports = guarded(issues, at, () => info.portsOf(parsed.config));
    const checks = guarded(issues, at, () => info.checkConfig?.(parsed.config) ?? []);
    if (ports === undefined || checks === undefined) return;
    issues.push(...checks.map((issue) => configIssue(issue, index, node.id)));
    linted.config = parsed.config;
    linted.ports = ports;
  });
  return nodes;
}

/** Edges: ids, ends that exist, ports that exist, one edge per port. Returns the usable edges. */
function lintEdges(
  flow: FlowDocument,
  nodes: Map<string, LintedNode>,
  issues: FlowIssue[],
): Map<string, string[]> {
  const successors = new Map<string, string[]>();
  const edgeIds = new Set<string>();
  const byPort = new Map<string, number[]>();
  const nodeIds = new Set(flow.nodes.map((n) => n.id));
  flow.edges.forEach((edge, index) => {
    const where = (field: string): { path: JsonPath; edgeId: string; nodeId?: string } => ({
      path: ['edges', index, field],
      edgeId: edge.id,
    });
    if (edgeIds.has(edge.id)) issues.push(createIssue('edge.id.duplicate', { id: edge.id }, where('id')));
    edgeIds.add(edge.id);
    const source = nodes.get(edge.source);
    const target = nodes.get(edge.target);
    const sourceExists = nodeIds.has(edge.source);
    const targetExists = nodeIds.has(edge.target);
    if (!sourceExists)
      issues.push(createIssue('edge.source.missing', { source: edge.source }, where('source')));
    if (!targetExists)
      issues.push(createIssue('edge.target.missing', { target: edge.target }, where('target')));
    if (target?.info.isTrigger === true) {
      issues.push(createIssue('edge.target.trigger', { target: edge.target }, where('target')));
    }
    if (source?.ports !== undefined && !source.ports.some((p) => p.id === edge.sourceHandle)) {
      const ports = source.ports.map((p) => p.id);
      issues.push(
        createIssue(
          'edge.port.missing',
          { source: edge.source, port: edge.sourceHandle, ports },
          where('sourceHandle'),
        ),
      );
    }
    if (sourceExists) {
      const key = JSON.stringify([edge.source, edge.sourceHandle]);
      addTo(byPort, key, index);
    }
    if (sourceExists && targetExists) addTo(successors, edge.source, edge.target);
  });
  for (const indexes of byPort.values()) {
    if (indexes.length < 2) continue;
    const edges = indexes.map((i) => flow.edges[i]!);
    const first = edges[0]!;
    const port =
      nodes.get(first.source)?.ports?.find((p) => p.id === first.sourceHandle)?.label ?? first.sourceHandle;
    const targets = edges.map((e) => e.target);
    for (const [n, edge] of edges.entries()) {
      if (n === 0) continue;
      issues.push(
        createIssue(
          'edge.duplicate_port',
          { source: edge.source, port, targets },
          { path: ['edges', indexes[n]!, 'sourceHandle'], edgeId: edge.id },
        ),
      );
    }
  }
  return successors;
}

/** Jumps (goto) count as edges; jumps to nowhere are errors. Adds them to `successors`. */
function lintJumps(
  nodes: Map<string, LintedNode>,
  successors: Map<string, string[]>,
  issues: FlowIssue[],
): void {
  for (const node of nodes.values()) {
    if (node.config === undefined || node.info.jumpTargetsOf === undefined) continue;
    const jumpTargetsOf = node.info.jumpTargetsOf.bind(node.info);
    const targets =
      guarded(issues, { ...node, type: node.info.type }, () => jumpTargetsOf(node.config)) ?? [];
    for (const target of targets) {
      if (!nodes.has(target)) {
        issues.push(
          createIssue(
            'node.jump_target.missing',
            { target },
            { path: ['nodes', node.index, 'data'], nodeId: node.id },
          ),
        );
      } else addTo(successors, node.id, target);
    }
  }
}

function lintStart(nodes: Map<string, LintedNode>, issues: FlowIssue[]): LintedNode[] {
  const triggers = [...nodes.values()].filter((n) => n.info.isTrigger);
  if (triggers.length === 0) issues.push(createIssue('flow.start.missing', {}, { path: ['nodes'] }));
  if (triggers.length > 1) {
    const ids = triggers.map((t) => t.id);
    for (const trigger of triggers) {
      issues.push(
        createIssue(
          'flow.start.multiple',
          { count: ids.length, ids },
          { path: ['nodes', trigger.index], nodeId: trigger.id },
        ),
      );
    }
  }
  return triggers;
}

function lintPorts(nodes: Map<string, LintedNode>, flow: FlowDocument, issues: FlowIssue[]): void {
  const used = new Set(flow.edges.map((e) => JSON.stringify([e.source, e.sourceHandle])));
  for (const node of nodes.values()) {
    for (const port of node.ports ?? []) {
      if (used.has(JSON.stringify([node.id, port.id])) || port.whenUnconnected !== undefined) continue;
      issues.push(
        createIssue(
          'port.unconnected',
          { port: port.label || port.id },
          { path: ['nodes', node.index], nodeId: node.id },
        ),
      );
    }
  }
}

function lintReachability(
  flow: FlowDocument,
  nodes: Map<string, LintedNode>,
  triggers: LintedNode[],
  successors: Map<string, string[]>,
  issues: FlowIssue[],
): void {
  const roots = triggers.map((t) => t.id);
  flow.settings.globalKeywords.forEach((keyword, index) => {
    if (keyword.action === 'restart') return;
    if (!flow.nodes.some((n) => n.id === keyword.nodeId)) {
      const path = ['settings', 'globalKeywords', index, 'nodeId'];
      issues.push(
        createIssue(
          'settings.keyword_target.missing',
          { target: keyword.nodeId, keyword: keyword.keywords[0] ?? '' },
          { path },
        ),
      );
    } else roots.push(keyword.nodeId);
  });
  // Without a start node everything would be "unreachable": the missing start is the one issue to show.
  if (triggers.length === 0) return;
  const seen = new Set<string>(roots);
  const queue = [...roots];
  for (let at = 0; at < queue.length; at++) {
    const node = queue[at]!;
    for (const next of successors.get(node) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  for (const node of nodes.values()) {
    if (!seen.has(node.id))
      issues.push(createIssue('node.unreachable', {}, { path: ['nodes', node.index], nodeId: node.id }));
  }
}

function lintLoops(
  nodes: Map<string, LintedNode>,
  successors: Map<string, string[]>,
  issues: FlowIssue[],
): void {
  // Only nodes we fully understand run straight through; the others already carry an error.
  const runThrough = [...nodes.values()].filter((node) => {
    if (node.config === undefined || node.info.waitsForInput) return false;
    const waitsForTimer = node.info.waitsForTimer?.bind(node.info);
    return (
      guarded(issues, { ...node, type: node.info.type }, () => waitsForTimer?.(node.config) ?? false) ===
      false
    );
  });
  for (const cycle of findCycles(
    runThrough.map((n) => n.id),
    successors,
  )) {
    const ordered = cycle.map((id) => nodes.get(id)!).sort((a, b) => a.index - b.index);
    const first = ordered[0]!;
    const ids = ordered.map((n) => n.id);
    issues.push(
      createIssue(
        'flow.loop_without_input',
        { ids },
        { path: ['nodes', first.index], nodeId: first.id, relatedNodeIds: ids },
      ),
    );
  }
}

/**
 * Checks a parsed flow against the node catalogue: one start node, edges and ports that exist,
 * dangling ports, unreachable nodes, loops that never wait, undefined variables and WhatsApp's
 * limits (through each node type's schema and checks). Asks node types what they declare,
 * never which type they are. Never throws, even when a node type does.
 * @example const { errors, warnings } = lintFlow(flow, registry)
 */
export function lintFlow(flow: FlowDocument, catalog: NodeTypeCatalog): LintResult {
  const issues: FlowIssue[] = [];
  flow.variables.forEach((variable, index) => {
    if (flow.variables.findIndex((v) => v.name === variable.name) !== index) {
      issues.push(
        createIssue('variable.duplicate', { name: variable.name }, { path: ['variables', index, 'name'] }),
      );
    }
  });
  const nodes = lintNodes(flow, catalog, issues);
  const triggers = lintStart(nodes, issues);
  const successors = lintEdges(flow, nodes, issues);
  lintJumps(nodes, successors, issues);
  lintPorts(nodes, flow, issues);
  lintReachability(flow, nodes, triggers, successors, issues);
  lintLoops(nodes, successors, issues);
  lintVariables(flow, nodes, issues);
  const nodeConfigs = new Map<string, unknown>();
  for (const node of nodes.values()) if (node.config !== undefined) nodeConfigs.set(node.id, node.config);
  return {
    errors: issues.filter((i) => i.severity === 'error'),
    warnings: issues.filter((i) => i.severity === 'warning'),
    nodeConfigs,
  };
}
