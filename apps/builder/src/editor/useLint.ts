import { useEffect } from 'react';
import type { ApiClient } from '../api/apiClient.js';
import type { FlowIssue } from '../api/types.js';
import type { EditorStore } from '../store/createEditorStore.js';
import { validateAgainstSchema } from '../panel/jsonSchema.js';

/** @default 500 */
const LINT_DEBOUNCE_MS = 500;

/**
 * Lints the draft on the server (so custom node types are checked too), debounced after each
 * change; when the server cannot answer, falls back to checking each node against its schema.
 */
export function useLint(api: ApiClient, store: EditorStore) {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller = 0;
    const run = async () => {
      const { doc, manifests } = store.getState();
      if (!doc) return;
      const ticket = ++controller;
      try {
        const result = await api.validateFlow(doc.id, doc);
        if (ticket === controller && store.getState().doc === doc)
          store.getState().setLint({ errors: result.errors ?? [], warnings: result.warnings ?? [] });
      } catch {
        const errors: FlowIssue[] = [];
        doc.nodes.forEach((node, index) => {
          const manifest = manifests.get(node.type);
          if (!manifest) {
            errors.push({
              code: 'node.type.unknown',
              severity: 'error',
              message: `Unknown step type “${node.type}”.`,
              nodeId: node.id,
              path: ['nodes', index, 'type'],
            });
            return;
          }
          for (const [key, message] of validateAgainstSchema(manifest.configSchema, node.data)) {
            errors.push({
              code: 'node.config.invalid',
              severity: 'error',
              message,
              nodeId: node.id,
              path: [
                'nodes',
                index,
                'data',
                ...key
                  .split('.')
                  .filter(Boolean)
                  .map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
              ],
            });
          }
        });
        if (ticket === controller) store.getState().setLint({ errors, warnings: [] });
      }
    };
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.doc === previous.doc || state.dragOrigin) return;
      clearTimeout(timer);
      timer = setTimeout(() => void run(), LINT_DEBOUNCE_MS);
    });
    void run();
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [api, store]);
}
