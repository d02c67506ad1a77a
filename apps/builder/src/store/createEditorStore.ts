import { createStore, type StoreApi } from 'zustand/vanilla';
import type { FlowDocument, FlowNode } from '@parley/flow';
import type { FlowIssue, LintResult, NodeManifest } from '../api/types.js';
import { createIdGenerator, type IdGenerator } from '../lib/createIdGenerator.js';
import * as ops from './flowOps.js';
import { copyFragment, pasteFragment, type ClipboardFragment } from './clipboard.js';
import { tidyUpPositions, type Size } from './tidyUp.js';

/** Problems of one node, for its badge. */
export interface NodeIssues {
  errors: FlowIssue[];
  warnings: FlowIssue[];
}

/** What the preview chat tells the canvas: where the conversation is and where it has been. */
export interface PreviewTrail {
  activeNodeId: string | null;
  visited: ReadonlySet<string>;
}

/** The editor's state: the flow document is the single source of truth; React Flow derives from it. */
export interface EditorState {
  flowId: string | null;
  doc: FlowDocument | null;
  nodeIndex: ReadonlyMap<string, FlowNode>;
  manifests: ReadonlyMap<string, NodeManifest>;
  past: FlowDocument[];
  future: FlowDocument[];
  /** Consecutive changes with the same key (typing in one field) are one undo step. */
  mergeKey: string | null;
  /** The document before a drag started; a drag is one undo step, recorded when it ends. */
  dragOrigin: FlowDocument | null;
  selectedNodeIds: string[];
  selectedEdgeIds: string[];
  readOnly: boolean;
  /** The document as last saved or loaded (dirty = content differs). */
  savedDoc: FlowDocument | null;
  lint: LintResult;
  issuesByNode: ReadonlyMap<string, NodeIssues>;
  /** A short message for the status bar ("Removed 1 connection…"). */
  notice: string | null;
  trail: PreviewTrail;

  load(doc: FlowDocument, options?: { readOnly?: boolean; flowId?: string }): void;
  setManifests(manifests: NodeManifest[]): void;
  setReadOnly(readOnly: boolean): void;
  endMerge(): void;
  undo(): void;
  redo(): void;
  addNode(
    type: string,
    position: ops.Position,
    connectFrom?: { nodeId: string; handleId: string },
  ): string | null;
  connect(connection: { source: string; sourceHandle: string | null | undefined; target: string }): boolean;
  disconnect(source: string, sourceHandle: string): void;
  setNodeData(nodeId: string, data: Record<string, unknown>, mergeKey?: string): void;
  beginDrag(): void;
  dragNodes(positions: ReadonlyMap<string, ops.Position>): void;
  endDrag(): void;
  moveNodes(positions: ReadonlyMap<string, ops.Position>): void;
  deleteElements(ids: { nodeIds?: string[]; edgeIds?: string[] }): void;
  deleteSelection(): void;
  copySelection(): ClipboardFragment | null;
  paste(fragment: ClipboardFragment, at?: ops.Position): string[];
  duplicateSelection(): string[];
  tidyUp(sizes?: ReadonlyMap<string, Size>): void;
  select(nodeIds: string[], edgeIds?: string[]): void;
  markSaved(doc: FlowDocument): void;
  replaceDocument(doc: FlowDocument, notice?: string | null, mergeKey?: string): void;
  setLint(result: LintResult): void;
  setTrail(trail: { activeNodeId: string | null; path: string[] }): void;
  setNotice(notice: string | null): void;
}

export interface EditorStoreOptions {
  newId?: IdGenerator;
  /** Undo depth. @default 100 */
  historyLimit?: number;
}

export type EditorStore = StoreApi<EditorState>;

const EMPTY_LINT: LintResult = { errors: [], warnings: [] };

function indexNodes(doc: FlowDocument | null): Map<string, FlowNode> {
  return new Map((doc?.nodes ?? []).map((n) => [n.id, n]));
}

/** Groups lint issues by node; each node's entry only changes when its issues change. */
function groupIssues(result: LintResult, previous: ReadonlyMap<string, NodeIssues>): Map<string, NodeIssues> {
  const grouped = new Map<string, NodeIssues>();
  for (const [list, key] of [
    [result.errors, 'errors'],
    [result.warnings, 'warnings'],
  ] as const) {
    for (const issue of list) {
      if (!issue.nodeId) continue;
      const entry = grouped.get(issue.nodeId) ?? { errors: [], warnings: [] };
      entry[key].push(issue);
      grouped.set(issue.nodeId, entry);
    }
  }
  for (const [nodeId, entry] of grouped) {
    const old = previous.get(nodeId);
    if (old && JSON.stringify(old) === JSON.stringify(entry)) grouped.set(nodeId, old);
  }
  return grouped;
}

/** Creates one editor store (one per open flow editor; tests make their own). */
export function createEditorStore(options: EditorStoreOptions = {}): EditorStore {
  const newId = options.newId ?? createIdGenerator();
  const limit = options.historyLimit ?? 100;

  return createStore<EditorState>()((set, get) => {
    const ctx: ops.FlowOpsContext = { manifest: (type) => get().manifests.get(type), newId };

    /** The one way a user action changes the document: one call, one undo step. */
    function commit(next: FlowDocument, mergeKey: string | null = null, extra: Partial<EditorState> = {}) {
      const state = get();
      if (!state.doc || next === state.doc || state.readOnly) {
        if (Object.keys(extra).length) set(extra);
        return;
      }
      const merging = mergeKey !== null && mergeKey === state.mergeKey;
      const past = merging ? state.past : [...state.past, state.doc].slice(-limit);
      set({ doc: next, nodeIndex: indexNodes(next), past, future: [], mergeKey, ...extra });
    }

    return {
      flowId: null,
      doc: null,
      nodeIndex: new Map(),
      manifests: new Map(),
      past: [],
      future: [],
      mergeKey: null,
      dragOrigin: null,
      selectedNodeIds: [],
      selectedEdgeIds: [],
      readOnly: false,
      savedDoc: null,
      lint: EMPTY_LINT,
      issuesByNode: new Map(),
      notice: null,
      trail: { activeNodeId: null, visited: new Set() },

      load(doc, loadOptions = {}) {
        const pruned = get().manifests.size ? ops.pruneDanglingEdges(doc, ctx) : { doc, dropped: [] };
        set({
          flowId: loadOptions.flowId ?? doc.id,
          doc: pruned.doc,
          nodeIndex: indexNodes(pruned.doc),
          past: [],
          future: [],
          mergeKey: null,
          dragOrigin: null,
          selectedNodeIds: [],
          selectedEdgeIds: [],
          readOnly: loadOptions.readOnly ?? get().readOnly,
          savedDoc: doc,
          lint: EMPTY_LINT,
          issuesByNode: new Map(),
          notice: pruned.dropped.length
            ? `Removed ${pruned.dropped.length} connection(s) from exits that no longer exist.`
            : null,
          trail: { activeNodeId: null, visited: new Set() },
        });
      },
      setManifests(manifests) {
        set({ manifests: new Map(manifests.map((m) => [m.type, m])) });
      },
      setReadOnly(readOnly) {
        set({ readOnly });
      },
      endMerge() {
        if (get().mergeKey !== null) set({ mergeKey: null });
      },
      undo() {
        const { past, future, doc, readOnly } = get();
        const previous = past[past.length - 1];
        if (!previous || !doc || readOnly) return;
        set({
          doc: previous,
          nodeIndex: indexNodes(previous),
          past: past.slice(0, -1),
          future: [doc, ...future],
          mergeKey: null,
          selectedNodeIds: get().selectedNodeIds.filter((id) => previous.nodes.some((n) => n.id === id)),
        });
      },
      redo() {
        const { past, future, doc, readOnly } = get();
        const next = future[0];
        if (!next || !doc || readOnly) return;
        set({
          doc: next,
          nodeIndex: indexNodes(next),
          past: [...past, doc].slice(-limit),
          future: future.slice(1),
          mergeKey: null,
          selectedNodeIds: get().selectedNodeIds.filter((id) => next.nodes.some((n) => n.id === id)),
        });
      },
      addNode(type, position, connectFrom) {
        const doc = get().doc;
        if (!doc || get().readOnly) return null;
        const added = ops.addNode(doc, ctx, type, position);
        let next = added.doc;
        if (connectFrom) {
          const connected = ops.connect(next, ctx, {
            source: connectFrom.nodeId,
            sourceHandle: connectFrom.handleId,
            target: added.nodeId,
          });
          if (connected.ok) next = connected.doc;
        }
        commit(next, null, { selectedNodeIds: [added.nodeId], selectedEdgeIds: [] });
        return added.nodeId;
      },
      connect(connection) {
        const doc = get().doc;
        if (!doc || get().readOnly) return false;
        const result = ops.connect(doc, ctx, connection);
        if (!result.ok) {
          set({ notice: result.reason });
          return false;
        }
        commit(result.doc, null, {
          notice: result.replaced ? 'That exit already had a connection; it now goes to the new step.' : null,
        });
        return true;
      },
      disconnect(source, sourceHandle) {
        const doc = get().doc;
        if (doc) commit(ops.disconnect(doc, source, sourceHandle));
      },
      setNodeData(nodeId, data, mergeKey) {
        const doc = get().doc;
        if (!doc) return;
        const result = ops.updateNodeData(doc, ctx, nodeId, data);
        const dropped = result.droppedEdges.length;
        // A change that drops connections is its own step even while typing.
        commit(
          result.doc,
          dropped ? null : (mergeKey ?? null),
          dropped ? { notice: `Removed ${dropped} connection(s) from a removed exit.` } : {},
        );
      },
      beginDrag() {
        if (get().doc && !get().readOnly) set({ dragOrigin: get().doc, mergeKey: null });
      },
      dragNodes(positions) {
        const doc = get().doc;
        if (!doc || get().readOnly) return;
        const next = ops.moveNodes(doc, positions);
        if (next !== doc) set({ doc: next, nodeIndex: indexNodes(next) });
      },
      endDrag() {
        const { dragOrigin, doc, past } = get();
        if (!dragOrigin || !doc) return;
        if (dragOrigin === doc) set({ dragOrigin: null });
        else set({ dragOrigin: null, past: [...past, dragOrigin].slice(-limit), future: [], mergeKey: null });
      },
      moveNodes(positions) {
        const doc = get().doc;
        if (doc) commit(ops.moveNodes(doc, positions));
      },
      deleteElements(ids) {
        const doc = get().doc;
        if (!doc || get().readOnly) return;
        const result = ops.deleteElements(doc, ctx, ids);
        const gone = new Set(result.deletedNodeIds);
        commit(result.doc, null, {
          notice: result.protectedIds.length ? 'The start step cannot be deleted.' : null,
          selectedNodeIds: get().selectedNodeIds.filter((id) => !gone.has(id)),
          selectedEdgeIds: [],
        });
      },
      deleteSelection() {
        const { selectedNodeIds, selectedEdgeIds } = get();
        get().deleteElements({ nodeIds: selectedNodeIds, edgeIds: selectedEdgeIds });
      },
      copySelection() {
        const doc = get().doc;
        return doc ? copyFragment(doc, get().selectedNodeIds) : null;
      },
      paste(fragment, at) {
        const doc = get().doc;
        if (!doc || get().readOnly) return [];
        const result = pasteFragment(doc, ctx, fragment, at);
        if (result.nodeIds.length === 0) {
          set({ notice: 'Nothing to paste (a flow has only one start step).' });
          return [];
        }
        commit(result.doc, null, { selectedNodeIds: result.nodeIds, selectedEdgeIds: [] });
        return result.nodeIds;
      },
      duplicateSelection() {
        const fragment = get().copySelection();
        return fragment ? get().paste(fragment) : [];
      },
      tidyUp(sizes) {
        const doc = get().doc;
        if (doc) commit(ops.moveNodes(doc, tidyUpPositions(doc, ctx, sizes)));
      },
      select(nodeIds, edgeIds = []) {
        const state = get();
        if (sameIds(state.selectedNodeIds, nodeIds) && sameIds(state.selectedEdgeIds, edgeIds)) return;
        set({ selectedNodeIds: nodeIds, selectedEdgeIds: edgeIds, mergeKey: null });
      },
      markSaved(doc) {
        set({ savedDoc: doc });
      },
      replaceDocument(doc, notice = null, mergeKey) {
        commit(doc, mergeKey ?? null, notice ? { notice } : {});
      },
      setLint(result) {
        set({ lint: result, issuesByNode: groupIssues(result, get().issuesByNode) });
      },
      setTrail({ activeNodeId, path }) {
        set({ trail: { activeNodeId, visited: new Set(path) } });
      },
      setNotice(notice) {
        set({ notice });
      },
    };
  });
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** True when the document differs in content from the last saved one (undo back to it = clean). */
export function isDirty(state: Pick<EditorState, 'doc' | 'savedDoc'>): boolean {
  if (state.doc === state.savedDoc) return false;
  return JSON.stringify(state.doc) !== JSON.stringify(state.savedDoc);
}
