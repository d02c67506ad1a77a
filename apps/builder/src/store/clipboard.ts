import type { FlowDocument, FlowEdge, FlowNode } from '@parley/flow';
import { flowEdgeSchema, flowNodeSchema } from '@parley/flow';
import { idPrefixFor } from '../lib/createIdGenerator.js';
import { isTriggerNode, type FlowOpsContext, type Position } from './flowOps.js';

/** What copy puts on the clipboard: flow JSON with a marker, so it can be pasted into any flow. */
export interface ClipboardFragment {
  parley: 'flow-fragment';
  schemaVersion: 1;
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** The selected nodes and the edges between them, as a fragment. */
export function copyFragment(doc: FlowDocument, nodeIds: Iterable<string>): ClipboardFragment | null {
  const ids = new Set(nodeIds);
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  if (nodes.length === 0) return null;
  const edges = doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  return {
    parley: 'flow-fragment',
    schemaVersion: 1,
    nodes: structuredClone(nodes),
    edges: structuredClone(edges),
  };
}

/**
 * Reads clipboard text as a fragment: our own marker, or any flow JSON with `nodes` (a whole
 * exported flow pastes too). Returns null for anything else, so pasting plain text does nothing.
 */
export function parseFragment(text: string): ClipboardFragment | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const raw = value as { nodes?: unknown; edges?: unknown };
  if (!Array.isArray(raw.nodes)) return null;
  const nodes: FlowNode[] = [];
  for (const candidate of raw.nodes) {
    const parsed = flowNodeSchema.safeParse(candidate);
    if (parsed.success) nodes.push(parsed.data);
  }
  if (nodes.length === 0) return null;
  const edges: FlowEdge[] = [];
  for (const candidate of Array.isArray(raw.edges) ? raw.edges : []) {
    const parsed = flowEdgeSchema.safeParse(candidate);
    if (parsed.success) edges.push(parsed.data);
  }
  return { parley: 'flow-fragment', schemaVersion: 1, nodes, edges };
}

/**
 * Pastes a fragment with fresh node and edge ids (port ids stay: they are per node).
 * The fragment's top-left lands at `at`, or 40px below-right of the originals. A start node is
 * skipped when the flow already has one. Unknown node types paste as they are (the linter says so).
 */
export function pasteFragment(
  doc: FlowDocument,
  ctx: FlowOpsContext,
  fragment: ClipboardFragment,
  at?: Position,
): { doc: FlowDocument; nodeIds: string[] } {
  const hasTrigger = doc.nodes.some((n) => isTriggerNode(n, ctx));
  const nodes = fragment.nodes.filter((n) => !(hasTrigger && isTriggerNode(n, ctx)));
  if (nodes.length === 0) return { doc, nodeIds: [] };
  const minX = Math.min(...nodes.map((n) => n.position.x));
  const minY = Math.min(...nodes.map((n) => n.position.y));
  const dx = at ? at.x - minX : 40;
  const dy = at ? at.y - minY : 40;
  const taken = new Set(doc.nodes.map((n) => n.id));
  const idMap = new Map<string, string>();
  for (const node of nodes) {
    let id = ctx.newId(idPrefixFor(node.type));
    while (taken.has(id)) id = ctx.newId(idPrefixFor(node.type));
    taken.add(id);
    idMap.set(node.id, id);
  }
  const newNodes = nodes.map((node) => ({
    ...structuredClone(node),
    id: idMap.get(node.id) as string,
    position: { x: Math.round(node.position.x + dx), y: Math.round(node.position.y + dy) },
  }));
  const takenEdges = new Set(doc.edges.map((e) => e.id));
  const newEdges: FlowEdge[] = [];
  for (const edge of fragment.edges) {
    const source = idMap.get(edge.source);
    const target = idMap.get(edge.target);
    if (!source || !target) continue;
    let id = `e-${source}-${edge.sourceHandle}`;
    for (let i = 2; takenEdges.has(id); i += 1) id = `e-${source}-${edge.sourceHandle}-${i}`;
    takenEdges.add(id);
    newEdges.push({ id, source, sourceHandle: edge.sourceHandle, target });
  }
  return {
    doc: { ...doc, nodes: [...doc.nodes, ...newNodes], edges: [...doc.edges, ...newEdges] },
    nodeIds: newNodes.map((n) => n.id),
  };
}
