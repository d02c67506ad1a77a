import type { FlowDocument } from '@parley/flow';
import { CURRENT_SCHEMA_VERSION } from '@parley/flow';
import type { NodeManifest } from '../api/types.js';

/** A flow id from a name: "Pizza Order!" → "pizza-order". */
export function slugify(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64) || 'flow'
  );
}

/** A new flow with just a start step (the first trigger node type the server offers). */
export function blankFlow(id: string, name: string, manifests: NodeManifest[]): FlowDocument {
  const trigger = manifests.find((m) => m.type === 'start') ?? manifests.find((m) => m.trigger);
  return {
    schemaVersion: CURRENT_SCHEMA_VERSION,
    id,
    name,
    variables: [],
    settings: {
      globalKeywords: [],
      optOut: { enabled: true, stopWords: ['STOP'], startWords: ['START'] },
      coalesceMs: 0,
      inactivityTimeoutMinutes: 24 * 60,
      versionPolicy: 'pinned',
      staleReply: 'fallback',
    },
    nodes: trigger
      ? [
          {
            id: 'start',
            type: trigger.type,
            position: { x: 0, y: 0 },
            data: structuredClone(trigger.defaults ?? {}) as Record<string, unknown>,
          },
        ]
      : [],
    edges: [],
  };
}
