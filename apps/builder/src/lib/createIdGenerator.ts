/** Makes ids; injected so tests get deterministic ids. */
export type IdGenerator = (prefix: string) => string;

/** Random short ids (`msg-k3j9x2`), unique enough for one flow; `random` is injectable. */
export function createIdGenerator(random: () => number = Math.random): IdGenerator {
  return (prefix) => {
    let suffix = '';
    for (let i = 0; i < 6; i += 1)
      suffix += '0123456789abcdefghijklmnopqrstuvwxyz'[Math.floor(random() * 36)];
    return `${prefix}-${suffix}`;
  };
}

/** Sequential ids (`node-1`, `node-2`, …) for tests and the test build. */
export function createSequentialIds(): IdGenerator {
  const counters = new Map<string, number>();
  return (prefix) => {
    const next = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, next);
    return `${prefix}-${next}`;
  };
}

/** A readable id prefix from a node type (`acme/order-status` → `order-status`). */
export function idPrefixFor(type: string): string {
  const last = type.split('/').pop() ?? 'node';
  const cleaned = last
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 24);
  return cleaned || 'node';
}
