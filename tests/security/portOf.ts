import type { NodeResult } from '@parley/nodes';

/** The port a node result leaves by, or undefined when it waits for a reply. */
export function portOf(next: NodeResult['next'] | undefined): string | undefined {
  return next && 'port' in next ? next.port : undefined;
}
