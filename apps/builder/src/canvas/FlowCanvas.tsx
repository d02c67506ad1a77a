import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  Background,
  BackgroundVariant,
  ControlButton,
  Controls,
  MiniMap,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type Node,
  type NodeChange,
  type OnConnectEnd,
} from '@xyflow/react';
import type { FlowNode } from '@parley/flow';
import { useEditor, useEditorStore } from '../store/EditorStoreContext.js';
import { connectionProblem, type Position } from '../store/flowOps.js';
import { nodeTypes } from './nodeTypes.js';
import { NODE_TYPE_MIME } from './Palette.js';
import { NodePicker } from './NodePicker.js';

const SNAP_GRID: [number, number] = [16, 16];
const FIT_VIEW_OPTIONS = { padding: 0.2, maxZoom: 1 };
const PRO_OPTIONS = { hideAttribution: true };
const DEFAULT_EDGE_OPTIONS = { interactionWidth: 24 };
const EMPTY_DATA = {};
/** Above this many steps only the cards in view are in the DOM (measured: see apps/builder/README.md). */
const CULL_ABOVE = 300;

interface Size {
  width: number;
  height: number;
}

interface PickerState {
  screen: Position;
  flow: Position;
  from: { nodeId: string; handleId: string };
}

/** Measured card sizes, kept outside the document (never saved), shared with tidy-up. */
export const measuredSizes = new Map<string, Size>();

/**
 * The controlled React Flow canvas. React Flow nodes are derived from the document (cached per
 * node so unchanged cards keep their object), and every change goes back through the store.
 */
export function FlowCanvas({
  snapToGrid,
  onToggleSnap,
  onTidyUp,
}: {
  snapToGrid: boolean;
  onToggleSnap(): void;
  onTidyUp(): void;
}) {
  const store = useEditorStore();
  const nodes = useEditor((s) => s.doc?.nodes);
  const edges = useEditor((s) => s.doc?.edges);
  const selectedNodeIds = useEditor((s) => s.selectedNodeIds);
  const selectedEdgeIds = useEditor((s) => s.selectedEdgeIds);
  const visited = useEditor((s) => s.trail.visited);
  const readOnly = useEditor((s) => s.readOnly);
  const manifests = useEditor((s) => s.manifests);
  const { screenToFlowPosition, fitView } = useReactFlow();
  const initialized = useNodesInitialized();
  const fitted = useRef(false);
  const culling = (nodes?.length ?? 0) > CULL_ABOVE;
  // Fit once every card has its size (the built-in fitView can run with only some measured). When
  // culling, off-screen cards are never measured: fit on their initial size instead.
  useEffect(() => {
    if (fitted.current) return;
    if (initialized) {
      fitted.current = true;
      requestAnimationFrame(() => void fitView(FIT_VIEW_OPTIONS));
      return;
    }
    if (!culling) return;
    const timer = setTimeout(() => {
      fitted.current = true;
      void fitView(FIT_VIEW_OPTIONS);
    }, 50);
    return () => clearTimeout(timer);
  }, [initialized, fitView, culling]);
  const wrapperRef = useRef<HTMLDivElement>(null);
  const [measureTick, setMeasureTick] = useState(0);
  const [picker, setPicker] = useState<PickerState | null>(null);
  const nodeCache = useRef(
    new Map<string, { source: FlowNode; selected: boolean; size?: Size; draggable: boolean; node: Node }>(),
  );

  const rfNodes = useMemo(() => {
    const selected = new Set(selectedNodeIds);
    const cache = nodeCache.current;
    const next: Node[] = [];
    const seen = new Set<string>();
    for (const source of nodes ?? []) {
      seen.add(source.id);
      const isSelected = selected.has(source.id);
      const size = measuredSizes.get(source.id);
      const draggable = !readOnly;
      const cached = cache.get(source.id);
      if (
        cached &&
        cached.source === source &&
        cached.selected === isSelected &&
        cached.size === size &&
        cached.draggable === draggable
      ) {
        next.push(cached.node);
        continue;
      }
      const trigger = manifests.get(source.type)?.trigger === true;
      const node: Node = {
        id: source.id,
        type: 'card',
        position: source.position,
        data: EMPTY_DATA,
        selected: isSelected,
        draggable,
        deletable: !trigger && !readOnly,
        ariaLabel: `${manifests.get(source.type)?.title ?? source.type} step ${source.id}`,
        initialWidth: 260,
        initialHeight: 140,
        ...(size ? { measured: size } : {}),
      };
      cache.set(source.id, { source, selected: isSelected, size, draggable, node });
      next.push(node);
    }
    for (const id of cache.keys()) if (!seen.has(id)) cache.delete(id);
    return next;
    // measureTick: sizes live in a mutable map; the tick says it changed.
  }, [nodes, selectedNodeIds, readOnly, manifests, measureTick]);

  const rfEdges = useMemo(() => {
    const selected = new Set(selectedEdgeIds);
    return (edges ?? []).map((edge): Edge => ({
      id: edge.id,
      source: edge.source,
      sourceHandle: edge.sourceHandle,
      target: edge.target,
      selected: selected.has(edge.id),
      className: visited.has(edge.source) && visited.has(edge.target) ? 'edge-visited' : undefined,
      deletable: !readOnly,
    }));
  }, [edges, selectedEdgeIds, visited, readOnly]);

  const onNodesChange = useCallback(
    (changes: NodeChange[]) => {
      const state = store.getState();
      const positions = new Map<string, Position>();
      let selection: Set<string> | null = null;
      let sized = false;
      for (const change of changes) {
        if (change.type === 'dimensions' && change.dimensions) {
          const old = measuredSizes.get(change.id);
          if (!old || old.width !== change.dimensions.width || old.height !== change.dimensions.height) {
            measuredSizes.set(change.id, {
              width: change.dimensions.width,
              height: change.dimensions.height,
            });
            sized = true;
          }
        } else if (change.type === 'position' && change.position) {
          positions.set(change.id, change.position);
        } else if (change.type === 'select') {
          selection ??= new Set(state.selectedNodeIds);
          if (change.selected) selection.add(change.id);
          else selection.delete(change.id);
        }
      }
      if (positions.size) {
        if (state.dragOrigin) state.dragNodes(positions);
        else state.moveNodes(positions); // keyboard moves: one step each
      }
      if (selection) state.select([...selection], state.selectedEdgeIds);
      if (sized) setMeasureTick((t) => t + 1);
    },
    [store],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const state = store.getState();
      let selection: Set<string> | null = null;
      for (const change of changes) {
        if (change.type === 'select') {
          selection ??= new Set(state.selectedEdgeIds);
          if (change.selected) selection.add(change.id);
          else selection.delete(change.id);
        }
      }
      if (selection) state.select(state.selectedNodeIds, [...selection]);
    },
    [store],
  );

  const onConnect = useCallback((connection: Connection) => store.getState().connect(connection), [store]);

  const isValidConnection: IsValidConnection = useCallback(
    (connection) => {
      const doc = store.getState().doc;
      return (
        !!doc &&
        connectionProblem(
          doc,
          { manifest: (t) => store.getState().manifests.get(t) },
          connection as Connection,
        ) === null
      );
    },
    [store],
  );

  const onConnectEnd: OnConnectEnd = useCallback(
    (event, state: FinalConnectionState) => {
      if (
        readOnly ||
        state.isValid ||
        state.toNode ||
        !state.fromNode ||
        state.fromHandle?.type !== 'source' ||
        !state.fromHandle.id
      )
        return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      if (!point) return;
      const rect = wrapperRef.current?.getBoundingClientRect();
      setPicker({
        screen: { x: point.clientX - (rect?.left ?? 0), y: point.clientY - (rect?.top ?? 0) },
        flow: screenToFlowPosition({ x: point.clientX, y: point.clientY }),
        from: { nodeId: state.fromNode.id, handleId: state.fromHandle.id },
      });
    },
    [readOnly, screenToFlowPosition],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(NODE_TYPE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(NODE_TYPE_MIME);
      if (!type) return;
      event.preventDefault();
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      // The card's top-centre lands under the pointer.
      store.getState().addNode(type, { x: at.x - 130, y: at.y - 16 });
    },
    [screenToFlowPosition, store],
  );

  const onNodeDragStart = useCallback(() => store.getState().beginDrag(), [store]);
  const onNodeDragStop = useCallback(() => store.getState().endDrag(), [store]);

  return (
    <div className="canvas" ref={wrapperRef} onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={rfNodes}
        edges={rfEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={onNodeDragStart}
        onNodeDragStop={onNodeDragStop}
        onSelectionDragStart={onNodeDragStart}
        onSelectionDragStop={onNodeDragStop}
        onPaneClick={() => setPicker(null)}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Control', 'Meta']}
        snapToGrid={snapToGrid}
        snapGrid={SNAP_GRID}
        minZoom={0.05}
        maxZoom={2}
        nodesConnectable={!readOnly}
        elementsSelectable
        selectNodesOnDrag={false}
        onlyRenderVisibleElements={culling}
        defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={16} size={1} />
        <Controls showInteractive={false} aria-label="Zoom and layout">
          <ControlButton
            onClick={onTidyUp}
            title="Tidy up (L)"
            aria-label="Tidy up"
            disabled={readOnly}
            data-testid="tidy-up"
          >
            ⇶
          </ControlButton>
          <ControlButton
            onClick={onToggleSnap}
            title="Snap to grid"
            aria-label="Snap to grid"
            aria-pressed={snapToGrid}
            data-testid="snap-toggle"
          >
            {snapToGrid ? '▦' : '▢'}
          </ControlButton>
        </Controls>
        <MiniMap
          pannable
          zoomable
          ariaLabel="Overview of the flow"
          nodeClassName={(n) => (visited.has(n.id) ? 'minimap-visited' : '')}
        />
      </ReactFlow>
      {picker && (
        <NodePicker
          x={picker.screen.x}
          y={picker.screen.y}
          onClose={() => setPicker(null)}
          onPick={(type) => {
            store.getState().addNode(type, { x: picker.flow.x, y: picker.flow.y - 20 }, picker.from);
            setPicker(null);
          }}
        />
      )}
    </div>
  );
}
