import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { EditorState, EditorStore } from './createEditorStore.js';

const EditorStoreContext = createContext<EditorStore | null>(null);

/** Provides one editor store to the canvas, the panels and the preview. */
export function EditorStoreProvider({ store, children }: { store: EditorStore; children: ReactNode }) {
  return <EditorStoreContext.Provider value={store}>{children}</EditorStoreContext.Provider>;
}

/** The store itself, for imperative calls (`getState()`) in handlers. */
export function useEditorStore(): EditorStore {
  const store = useContext(EditorStoreContext);
  if (!store) throw new Error('useEditorStore must be used inside an EditorStoreProvider');
  return store;
}

/** Subscribes to a narrow slice of the editor state (re-renders only when it changes). */
export function useEditor<T>(selector: (state: EditorState) => T): T {
  return useStore(useEditorStore(), selector);
}
