import type { NodeManifest } from '../api/types.js';

const CATEGORY_ORDER = ['Triggers', 'Messages', 'Questions', 'Logic', 'Integrations', 'Flow'];

/** Node types grouped by category (known categories first), filtered by a search text. */
export function groupManifests(
  manifests: Iterable<NodeManifest>,
  search = '',
): Array<[string, NodeManifest[]]> {
  const needle = search.trim().toLowerCase();
  const groups = new Map<string, NodeManifest[]>();
  for (const m of manifests) {
    if (m.trigger) continue; // one start per flow: it is never added from the palette
    if (needle && searchScore(m, needle) === 0) continue;
    const list = groups.get(m.category) ?? [];
    list.push(m);
    groups.set(m.category, list);
  }
  const rank = (c: string) =>
    CATEGORY_ORDER.includes(c) ? CATEGORY_ORDER.indexOf(c) : CATEGORY_ORDER.length;
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([c, list]) => [c, list.sort((a, b) => a.title.localeCompare(b.title))]);
}

/**
 * How well a node type matches a search: every word must start a word of its title, type,
 * description or category (so "end" finds End, not "Sends"); title matches rank first. 0 = no match.
 */
export function searchScore(m: NodeManifest, needle: string): number {
  const words = needle.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 1;
  const title = m.title.toLowerCase();
  const titleWords = title.split(/[^\p{L}\p{N}]+/u);
  const otherWords = `${m.type} ${m.description} ${m.category}`.toLowerCase().split(/[^\p{L}\p{N}]+/u);
  let score = 0;
  for (const word of words) {
    if (titleWords.some((w) => w.startsWith(word)))
      score += title === word ? 100 : title.startsWith(word) ? 50 : 20;
    else if (otherWords.some((w) => w.startsWith(word))) score += 1;
    else return 0;
  }
  return score;
}

/** Matching node types, best first (for the quick-add picker). */
export function rankManifests(manifests: Iterable<NodeManifest>, search: string): NodeManifest[] {
  const needle = search.trim().toLowerCase();
  return groupManifests(manifests, search)
    .flatMap(([, list]) => list)
    .map((m, i) => ({ m, i, score: searchScore(m, needle) }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ m }) => m);
}
