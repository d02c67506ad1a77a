import dagre from '@dagrejs/dagre';
import type { FlowDocument } from '@parley/flow';
import { portsOfNode, type FlowOpsContext, type Position } from './flowOps.js';

export interface Size {
  width: number;
  height: number;
}

const DEFAULT_SIZE: Size = { width: 260, height: 140 };

/**
 * Lays the flow out left to right with dagre, keeping each node's exits in port order (button 1
 * above button 2): nodes and edges are fed in port order, then siblings owned by one parent are
 * restacked in that order. Returns new top-left positions for every node.
 */
export function tidyUpPositions(
  doc: FlowDocument,
  ctx: Pick<FlowOpsContext, 'manifest'>,
  sizes: ReadonlyMap<string, Size> = new Map(),
): Map<string, Position> {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 110, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const sizeOf = (id: string) => sizes.get(id) ?? DEFAULT_SIZE;
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));

  // Edges of each node in port order; dagre's initial ordering follows insertion order.
  const portOrder = new Map<string, Map<string, number>>();
  for (const node of doc.nodes) {
    portOrder.set(node.id, new Map(portsOfNode(node, ctx).map((p, i) => [p.id, i])));
  }
  const outgoing = new Map<string, string[]>();
  const sortedEdges = doc.edges
    .filter((e) => byId.has(e.source) && byId.has(e.target))
    .slice()
    .sort((a, b) => {
      if (a.source !== b.source) return 0;
      const order = portOrder.get(a.source);
      return (order?.get(a.sourceHandle) ?? 999) - (order?.get(b.sourceHandle) ?? 999);
    });
  for (const edge of sortedEdges) {
    const list = outgoing.get(edge.source) ?? [];
    list.push(edge.target);
    outgoing.set(edge.source, list);
  }

  // Insert nodes depth-first from the current left-most nodes, children in port order.
  const order: string[] = [];
  const visited = new Set<string>();
  const roots = doc.nodes.slice().sort((a, b) => a.position.x - b.position.x || a.position.y - b.position.y);
  const visit = (start: string) => {
    const stack = [start];
    while (stack.length) {
      const id = stack.pop() as string;
      if (visited.has(id)) continue;
      visited.add(id);
      order.push(id);
      const children = outgoing.get(id) ?? [];
      for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i] as string);
    }
  };
  for (const root of roots) visit(root.id);
  for (const id of order) graph.setNode(id, { ...sizeOf(id) });
  sortedEdges.forEach((edge, i) => graph.setEdge(edge.source, edge.target, {}, `${edge.id}-${i}`));
  dagre.layout(graph);

  const positions = new Map<string, Position>();
  for (const id of order) {
    const laid = graph.node(id) as { x: number; y: number } | undefined;
    const size = sizeOf(id);
    if (laid)
      positions.set(id, { x: Math.round(laid.x - size.width / 2), y: Math.round(laid.y - size.height / 2) });
  }

  // Restack children that only this node leads to, in port order.
  const incoming = new Map<string, number>();
  for (const edge of sortedEdges) incoming.set(edge.target, (incoming.get(edge.target) ?? 0) + 1);
  for (const [source, targets] of outgoing) {
    const owned = [...new Set(targets)].filter((t) => t !== source && incoming.get(t) === 1);
    if (owned.length < 2) continue;
    const column = positions.get(owned[0] as string)?.x;
    if (owned.some((t) => positions.get(t)?.x !== column)) continue;
    const tops = owned.map((t) => positions.get(t)?.y ?? 0).sort((a, b) => a - b);
    let y = tops[0] ?? 0;
    for (const target of owned) {
      const p = positions.get(target);
      if (!p) continue;
      positions.set(target, { x: p.x, y });
      y += sizeOf(target).height + 40;
    }
  }
  return positions;
}
