import type { PortsDeclaration } from '@parley/nodes';

/** A resolved exit of a node: the React Flow source handle id is `id`. */
export interface ResolvedPort {
  id: string;
  label: string;
  kind: 'normal' | 'fallback' | 'error';
  /** For per-item ports: the array field and the item's index (for the card's rows). */
  each?: string;
  index?: number;
}

/** Reads a dotted path (`options`, `menu.items`) from a plain object. */
export function readPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Expands a node type's declarative ports against a node's data: fixed ports as they are, and
 * `{ each, id, label }` into one port per item of the array field (id from the item, never its index).
 * Items without an id are skipped; duplicates keep the first.
 */
export function resolveManifestPorts(declaration: PortsDeclaration, data: unknown): ResolvedPort[] {
  const ports: ResolvedPort[] = [];
  const seen = new Set<string>();
  for (const spec of declaration) {
    if ('each' in spec) {
      const items = readPath(data, spec.each);
      if (!Array.isArray(items)) continue;
      items.forEach((item, index) => {
        const id = readPath(item, spec.id);
        if (typeof id !== 'string' || id === '' || seen.has(id)) return;
        seen.add(id);
        const label = readPath(item, spec.label);
        ports.push({
          id,
          label: typeof label === 'string' && label !== '' ? label : `Option ${index + 1}`,
          kind: spec.kind ?? 'normal',
          each: spec.each,
          index,
        });
      });
    } else {
      if (seen.has(spec.id)) continue;
      seen.add(spec.id);
      ports.push({ id: spec.id, label: spec.label, kind: spec.kind ?? 'normal' });
    }
  }
  return ports;
}
