import type { ConversationFilter } from '../Store.js';
import type { ConversationSummary } from './LowdbIndexes.js';

/**
 * The ids of one page of conversations matching `filter`, most recently updated first, and how
 * many match in all: read from the in-memory summaries, so no document is opened to filter.
 */
export function matchConversations(
  summaries: ReadonlyMap<string, ConversationSummary>,
  filter: ConversationFilter,
): { ids: string[]; total: number } {
  const needle = filter.contact?.toLowerCase();
  const matches: { id: string; updatedAt: number }[] = [];
  for (const [id, summary] of summaries) {
    if (filter.botId !== undefined && summary.botId !== filter.botId) continue;
    if (filter.status !== undefined && summary.status !== filter.status) continue;
    if (
      needle &&
      !summary.userId.toLowerCase().includes(needle) &&
      !(summary.contactName ?? '').toLowerCase().includes(needle)
    )
      continue;
    matches.push({ id, updatedAt: summary.updatedAt });
  }
  matches.sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1));
  const offset = filter.offset ?? 0;
  const page = matches.slice(offset, offset + (filter.limit ?? 50));
  return { ids: page.map((match) => match.id), total: matches.length };
}
