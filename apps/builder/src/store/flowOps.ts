import type { FlowDocument, FlowEdge, FlowNode } from '@parley/flow';
import type { NodeManifest } from '../api/types.js';
import type { IdGenerator } from '../lib/createIdGenerator.js';
import { idPrefixFor } from '../lib/createIdGenerator.js';
import { resolveManifestPorts, type ResolvedPort } from '../lib/resolveManifestPorts.js';

/** What document operations need to know: node types and how to make ids. */
export interface FlowOpsContext {
  manifest(type: string): NodeManifest | undefined;
  newId: IdGenerator;
}

export interface Position {
  x: number;
  y: number;
}

/** The ports of one node, resolved against its data (empty for an unknown type). */
export function portsOfNode(node: FlowNode, ctx: Pick<FlowOpsContext, 'manifest'>): ResolvedPort[] {
  const manifest = ctx.manifest(node.type);
  return manifest ? resolveManifestPorts(manifest.ports, node.data) : [];
}

/** True for start (trigger) nodes, which have no input and cannot be deleted. */
export function isTriggerNode(node: FlowNode, ctx: Pick<FlowOpsContext, 'manifest'>): boolean {
  return ctx.manifest(node.type)?.trigger === true;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** A fresh copy of a node type's default data. */
export function defaultDataFor(manifest: NodeManifest | undefined): Record<string, unknown> {
  const defaults = manifest?.defaults;
  return defaults && typeof defaults === 'object' ? clone(defaults) : {};
}

/** Adds a node of `type` at `position` (its top-left corner), with the type's defaults. */
export function addNode(
  doc: FlowDocument,
  ctx: FlowOpsContext,
  type: string,
  position: Position,
  data?: Record<string, unknown>,
): { doc: FlowDocument; nodeId: string } {
  const taken = new Set(doc.nodes.map((n) => n.id));
  let nodeId = ctx.newId(idPrefixFor(type));
  while (taken.has(nodeId)) nodeId = ctx.newId(idPrefixFor(type));
  const node: FlowNode = {
    id: nodeId,
    type,
    position: { x: Math.round(position.x), y: Math.round(position.y) },
    data: data ?? defaultDataFor(ctx.manifest(type)),
  };
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, nodeId };
}

export type ConnectResult =
  { ok: true; doc: FlowDocument; edgeId: string; replaced?: FlowEdge } | { ok: false; reason: string };

/** Why a connection is not allowed, or null when it is. */
export function connectionProblem(
  doc: FlowDocument,
  ctx: Pick<FlowOpsContext, 'manifest'>,
  connection: { source: string; sourceHandle: string | null | undefined; target: string },
): string | null {
  if (!connection.sourceHandle) return 'Pick one of the node’s exits to connect from.';
  if (connection.source === connection.target) return 'A step cannot lead to itself.';
  const source = doc.nodes.find((n) => n.id === connection.source);
  const target = doc.nodes.find((n) => n.id === connection.target);
  if (!source || !target) return 'That step no longer exists.';
  if (isTriggerNode(target, ctx)) return 'Nothing can lead into the start step.';
  if (!portsOfNode(source, ctx).some((p) => p.id === connection.sourceHandle))
    return 'That exit no longer exists.';
  return null;
}

/** Connects a port to a node; a port has at most one edge, so an existing one is replaced. */
export function connect(
  doc: FlowDocument,
  ctx: FlowOpsContext,
  connection: { source: string; sourceHandle: string | null | undefined; target: string },
): ConnectResult {
  const problem = connectionProblem(doc, ctx, connection);
  if (problem) return { ok: false, reason: problem };
  const sourceHandle = connection.sourceHandle as string;
  const replaced = doc.edges.find((e) => e.source === connection.source && e.sourceHandle === sourceHandle);
  if (replaced && replaced.target === connection.target) return { ok: true, doc, edgeId: replaced.id };
  const edgeId = `e-${connection.source}-${sourceHandle}`;
  const edges = doc.edges.filter((e) => e !== replaced);
  edges.push({
    id: uniqueEdgeId(edges, edgeId),
    source: connection.source,
    sourceHandle,
    target: connection.target,
  });
  return { ok: true, doc: { ...doc, edges }, edgeId, ...(replaced ? { replaced } : {}) };
}

function uniqueEdgeId(edges: FlowEdge[], wanted: string): string {
  const taken = new Set(edges.map((e) => e.id));
  let id = wanted;
  for (let i = 2; taken.has(id); i += 1) id = `${wanted}-${i}`;
  return id;
}

/** Removes the edge leaving `sourceHandle` of `source`, if any. */
export function disconnect(doc: FlowDocument, source: string, sourceHandle: string): FlowDocument {
  const edges = doc.edges.filter((e) => !(e.source === source && e.sourceHandle === sourceHandle));
  return edges.length === doc.edges.length ? doc : { ...doc, edges };
}

/**
 * Replaces a node's data. Edges leaving ports that no longer exist (an option was removed)
 * are dropped in the same change, so one undo brings both back.
 */
export function updateNodeData(
  doc: FlowDocument,
  ctx: Pick<FlowOpsContext, 'manifest'>,
  nodeId: string,
  data: Record<string, unknown>,
): { doc: FlowDocument; droppedEdges: FlowEdge[] } {
  const index = doc.nodes.findIndex((n) => n.id === nodeId);
  const current = doc.nodes[index];
  if (!current) return { doc, droppedEdges: [] };
  const node: FlowNode = { ...current, data };
  const nodes = doc.nodes.slice();
  nodes[index] = node;
  const portIds = new Set(portsOfNode(node, ctx).map((p) => p.id));
  const droppedEdges = doc.edges.filter((e) => e.source === nodeId && !portIds.has(e.sourceHandle));
  const edges = droppedEdges.length ? doc.edges.filter((e) => !droppedEdges.includes(e)) : doc.edges;
  return { doc: { ...doc, nodes, edges }, droppedEdges };
}

/** Moves nodes to new positions (rounded, so files stay tidy). */
export function moveNodes(doc: FlowDocument, positions: ReadonlyMap<string, Position>): FlowDocument {
  if (positions.size === 0) return doc;
  let changed = false;
  const nodes = doc.nodes.map((node) => {
    const p = positions.get(node.id);
    if (!p) return node;
    const position = { x: Math.round(p.x), y: Math.round(p.y) };
    if (position.x === node.position.x && position.y === node.position.y) return node;
    changed = true;
    return { ...node, position };
  });
  return changed ? { ...doc, nodes } : doc;
}

/**
 * Deletes nodes (never a start node) and edges; edges touching a deleted node go too.
 * Returns the ids that were protected so the UI can say why they stayed.
 */
export function deleteElements(
  doc: FlowDocument,
  ctx: Pick<FlowOpsContext, 'manifest'>,
  ids: { nodeIds?: Iterable<string>; edgeIds?: Iterable<string> },
): { doc: FlowDocument; protectedIds: string[]; deletedNodeIds: string[] } {
  const wanted = new Set(ids.nodeIds ?? []);
  const protectedIds: string[] = [];
  const deleted = new Set<string>();
  for (const node of doc.nodes) {
    if (!wanted.has(node.id)) continue;
    if (isTriggerNode(node, ctx)) protectedIds.push(node.id);
    else deleted.add(node.id);
  }
  const edgeIds = new Set(ids.edgeIds ?? []);
  const nodes = deleted.size ? doc.nodes.filter((n) => !deleted.has(n.id)) : doc.nodes;
  const edges = doc.edges.filter(
    (e) => !edgeIds.has(e.id) && !deleted.has(e.source) && !deleted.has(e.target),
  );
  const changed = nodes !== doc.nodes || edges.length !== doc.edges.length;
  return { doc: changed ? { ...doc, nodes, edges } : doc, protectedIds, deletedNodeIds: [...deleted] };
}

/**
 * Drops edges whose source, port or target no longer exists (files edited by hand, node types
 * whose ports changed). Returned so the editor can tell the user what it removed.
 */
export function pruneDanglingEdges(
  doc: FlowDocument,
  ctx: Pick<FlowOpsContext, 'manifest'>,
): { doc: FlowDocument; dropped: FlowEdge[] } {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const portCache = new Map<string, Set<string>>();
  const dropped = doc.edges.filter((edge) => {
    const source = byId.get(edge.source);
    if (!source || !byId.has(edge.target)) return true;
    if (!ctx.manifest(source.type)) return false; // unknown type: keep, the linter reports it
    let ports = portCache.get(source.id);
    if (!ports) {
      ports = new Set(portsOfNode(source, ctx).map((p) => p.id));
      portCache.set(source.id, ports);
    }
    return !ports.has(edge.sourceHandle);
  });
  return dropped.length
    ? { doc: { ...doc, edges: doc.edges.filter((e) => !dropped.includes(e)) }, dropped }
    : { doc, dropped };
}
