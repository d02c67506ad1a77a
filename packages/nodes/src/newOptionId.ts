const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/**
 * A stable id for a new option or branch (`opt-k3x9`), unique among `taken`. Port ids come from
 * these, never from positions, so reordering options keeps every edge in place.
 * @example newOptionId(['opt-aaaa'], Math.random) // 'opt-7hq2'
 */
export function newOptionId(taken: Iterable<string>, random: () => number, prefix = 'opt'): string {
  const used = new Set(taken);
  for (let length = 4; ; length += 1) {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      let suffix = '';
      for (let index = 0; index < length; index += 1)
        suffix += ALPHABET[Math.floor(random() * ALPHABET.length) % ALPHABET.length];
      const id = `${prefix}-${suffix}`;
      if (!used.has(id)) return id;
    }
  }
}
