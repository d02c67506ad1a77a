import { useEffect, useRef } from 'react';
import { useReactFlow } from '@xyflow/react';
import type { EditorStore } from '../store/createEditorStore.js';
import { parseFragment } from '../store/clipboard.js';

/** True when a key press belongs to a text field, a dialog or the preview chat, not the canvas. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  if (
    target.closest(
      'input, textarea, select, [contenteditable="true"], .nokey, [role="dialog"], .preview-panel',
    )
  )
    return true;
  return false;
}

interface ShortcutActions {
  save(): void;
  tidyUp(): void;
}

/**
 * Editor shortcuts: undo/redo, delete, copy/cut/paste (flow JSON on the system clipboard, so it
 * pastes into other flows), duplicate, select all, tidy up, save. Never while typing in a field.
 */
export function useEditorShortcuts(store: EditorStore, actions: ShortcutActions) {
  const { screenToFlowPosition } = useReactFlow();
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const actionsRef = useRef(actions);
  actionsRef.current = actions;

  useEffect(() => {
    const onPointerMove = (event: PointerEvent) => {
      const overCanvas =
        event.target instanceof Element && event.target.closest('.react-flow__pane, .react-flow__node');
      pointer.current = overCanvas ? { x: event.clientX, y: event.clientY } : null;
    };
    const onKeyDown = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === 's') {
        event.preventDefault();
        actionsRef.current.save();
        return;
      }
      if (isTypingTarget(event.target) || document.querySelector('.modal-backdrop')) return;
      const state = store.getState();
      if (mod && key === 'z') {
        event.preventDefault();
        if (event.shiftKey) state.redo();
        else state.undo();
      } else if (mod && key === 'y') {
        event.preventDefault();
        state.redo();
      } else if (mod && key === 'd') {
        event.preventDefault();
        state.duplicateSelection();
      } else if (mod && key === 'a') {
        event.preventDefault();
        state.select(state.doc?.nodes.map((n) => n.id) ?? [], state.doc?.edges.map((e) => e.id) ?? []);
      } else if (!mod && !event.altKey && (event.key === 'Delete' || event.key === 'Backspace')) {
        event.preventDefault();
        state.deleteSelection();
      } else if (!mod && !event.altKey && key === 'l') {
        event.preventDefault();
        actionsRef.current.tidyUp();
      } else if (event.key === 'Escape') {
        state.select([], []);
      }
    };
    const onCopy = (event: ClipboardEvent, cut: boolean) => {
      if (isTypingTarget(event.target) || window.getSelection()?.toString()) return;
      const fragment = store.getState().copySelection();
      if (!fragment || !event.clipboardData) return;
      event.clipboardData.setData('text/plain', JSON.stringify(fragment, null, 2));
      event.preventDefault();
      if (cut) store.getState().deleteSelection();
    };
    const onPaste = (event: ClipboardEvent) => {
      if (isTypingTarget(event.target)) return;
      const fragment = parseFragment(event.clipboardData?.getData('text/plain') ?? '');
      if (!fragment) return;
      event.preventDefault();
      const at = pointer.current ? screenToFlowPosition(pointer.current) : undefined;
      store.getState().paste(fragment, at);
    };
    const copy = (e: ClipboardEvent) => onCopy(e, false);
    const cut = (e: ClipboardEvent) => onCopy(e, true);
    document.addEventListener('keydown', onKeyDown);
    document.addEventListener('pointermove', onPointerMove, { passive: true });
    document.addEventListener('copy', copy);
    document.addEventListener('cut', cut);
    document.addEventListener('paste', onPaste);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('pointermove', onPointerMove);
      document.removeEventListener('copy', copy);
      document.removeEventListener('cut', cut);
      document.removeEventListener('paste', onPaste);
    };
  }, [store, screenToFlowPosition]);
}
