import type { PortInfo } from '@parley/flow';
import type { PortsDeclaration } from './types.js';

/** Result of expanding a port declaration: the ports in order, and any duplicate ids found. */
export interface ResolvedPorts {
  ports: PortInfo[];
  /** Ports declared again with an id already used (a config problem), with the path of the repeat. */
  duplicates: Array<{ id: string; path: (string | number)[] }>;
}

/** Reads `a.b` from a plain object; undefined when any step is missing. */
function readPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Expands a port declaration for one config: fixed ports as they are, `each` entries to one port
 * per array item. Shared by runtime, linter and builder so all three see the same ports.
 * @example resolvePorts([{ each: 'options', id: 'id', label: 'title' }, { id: 'fallback', label: 'No match', kind: 'fallback' }], { options: [{ id: 'opt-a', title: 'A' }] })
 */
export function resolvePorts(declaration: PortsDeclaration, config: unknown): ResolvedPorts {
  const ports: PortInfo[] = [];
  const duplicates: ResolvedPorts['duplicates'] = [];
  const seen = new Set<string>();
  const add = (port: PortInfo, path: (string | number)[]) => {
    // The first port keeps the id; a repeat would make two handles indistinguishable.
    if (seen.has(port.id)) duplicates.push({ id: port.id, path });
    else ports.push(port);
    seen.add(port.id);
  };
  for (const entry of declaration) {
    if (!('each' in entry)) {
      add(
        {
          id: entry.id,
          label: entry.label,
          kind: entry.kind ?? 'normal',
          ...(entry.whenUnconnected !== undefined ? { whenUnconnected: entry.whenUnconnected } : {}),
        },
        [],
      );
      continue;
    }
    const items = readPath(config, entry.each);
    if (!Array.isArray(items)) continue;
    items.forEach((item, index) => {
      const id = readPath(item, entry.id);
      if (typeof id !== 'string' || id === '') return;
      const label = readPath(item, entry.label);
      add(
        {
          id,
          label: typeof label === 'string' && label !== '' ? label : id,
          kind: entry.kind ?? 'normal',
          ...(entry.whenUnconnected !== undefined ? { whenUnconnected: entry.whenUnconnected } : {}),
        },
        [...entry.each.split('.'), index, ...entry.id.split('.')],
      );
    });
  }
  return { ports, duplicates };
}
