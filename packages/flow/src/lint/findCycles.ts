/**
 * Strongly connected components that form cycles (Tarjan, iterative so a long chain of nodes
 * cannot overflow the stack). A component is a cycle when it has more than one node or a
 * node with an edge to itself.
 * @example findCycles(['a', 'b'], new Map([['a', ['b']], ['b', ['a']]])) // [['a', 'b']]
 */
export function findCycles(
  nodes: readonly string[],
  edges: ReadonlyMap<string, readonly string[]>,
): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const inGraph = new Set(nodes);
  const successors = (node: string): string[] => (edges.get(node) ?? []).filter((next) => inGraph.has(next));

  for (const root of nodes) {
    if (index.has(root)) continue;
    // Each frame: a node and how many of its successors were visited so far.
    const frames: Array<{ node: string; next: string[]; at: number }> = [];
    const visit = (node: string): void => {
      index.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      frames.push({ node, next: successors(node), at: 0 });
    };
    visit(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      if (frame.at < frame.next.length) {
        const next = frame.next[frame.at++]!;
        if (!index.has(next)) visit(next);
        else if (onStack.has(next)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      const isCycle = component.length > 1 || successors(frame.node).includes(frame.node);
      if (isCycle) cycles.push(component.reverse());
    }
  }
  return cycles;
}
