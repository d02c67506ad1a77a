import { useCallback } from 'react';
import { useReactFlow } from '@xyflow/react';
import type { EditorStore } from '../store/createEditorStore.js';
import { portsOfNode } from '../store/flowOps.js';
import { measuredSizes } from '../canvas/FlowCanvas.js';

/**
 * Click-to-add: next to the selected step (connected from its first free exit) or in the middle
 * of the visible canvas. The new step is selected so the panel opens on it.
 */
export function useAddNode(store: EditorStore) {
  const { screenToFlowPosition } = useReactFlow();
  return useCallback(
    (type: string) => {
      const state = store.getState();
      const selectedId = state.selectedNodeIds.length === 1 ? state.selectedNodeIds[0] : undefined;
      const selected = selectedId ? state.nodeIndex.get(selectedId) : undefined;
      if (selected && state.doc) {
        const used = new Set(
          state.doc.edges.filter((e) => e.source === selected.id).map((e) => e.sourceHandle),
        );
        const free = portsOfNode(selected, { manifest: (t) => state.manifests.get(t) }).find(
          (p) => !used.has(p.id),
        );
        const width = measuredSizes.get(selected.id)?.width ?? 260;
        const position = { x: selected.position.x + width + 80, y: selected.position.y };
        state.addNode(type, position, free ? { nodeId: selected.id, handleId: free.id } : undefined);
        return;
      }
      const rect = document.querySelector('.canvas')?.getBoundingClientRect();
      const center = rect
        ? screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 })
        : { x: 0, y: 0 };
      // Nudge so repeated clicks do not stack cards exactly on top of each other.
      const offset = (state.doc?.nodes.length ?? 0) % 5;
      state.addNode(type, { x: center.x - 130 + offset * 24, y: center.y - 60 + offset * 24 });
    },
    [screenToFlowPosition, store],
  );
}
