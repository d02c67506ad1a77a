import type { GlobalKeyword, InboundMessage } from '@parley/flow';

function typedText(input: InboundMessage): string | null {
  return input.type === 'text' ? input.text.trim().toLowerCase() : null;
}

/** True when the message is exactly one of the words (trimmed, case-insensitive). */
export function isOneOf(input: InboundMessage, words: readonly string[]): boolean {
  const text = typedText(input);
  return text !== null && words.some((word) => word.trim().toLowerCase() === text);
}

/** The global keyword a typed message is, if any. */
export function matchGlobalKeyword(
  keywords: readonly GlobalKeyword[],
  input: InboundMessage,
): GlobalKeyword | null {
  return keywords.find((keyword) => isOneOf(input, keyword.keywords)) ?? null;
}
