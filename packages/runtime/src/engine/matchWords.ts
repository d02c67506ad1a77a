import type { GlobalKeyword, InboundMessage } from '@parley/flow';

function typedText(input: InboundMessage): string | null {
  return input.type === 'text' ? input.text.trim().toLowerCase() : null;
}

/** Word lists come from compiled (immutable) flow settings: each is normalized once. */
const normalized = new WeakMap<readonly string[], ReadonlySet<string>>();

function wordSet(words: readonly string[]): ReadonlySet<string> {
  let set = normalized.get(words);
  if (!set) {
    set = new Set(words.map((word) => word.trim().toLowerCase()));
    normalized.set(words, set);
  }
  return set;
}

/** True when the message is exactly one of the words (trimmed, case-insensitive). */
export function isOneOf(input: InboundMessage, words: readonly string[]): boolean {
  const text = typedText(input);
  return text !== null && wordSet(words).has(text);
}

/** The global keyword a typed message is, if any. */
export function matchGlobalKeyword(
  keywords: readonly GlobalKeyword[],
  input: InboundMessage,
): GlobalKeyword | null {
  const text = typedText(input);
  if (text === null) return null;
  return keywords.find((keyword) => wordSet(keyword.keywords).has(text)) ?? null;
}
