import type { FieldCodec } from './FieldCodec.js';

/**
 * Moves the named fields of a record into one sealed `$content` value (AAD = `kind|id`) when
 * content encryption is on; the rest (ids, times, statuses the indexes need) stays readable.
 * @example sealFields(codec, entry, ['inbound', 'outbound', 'text'], `transcript|${entry.id}`)
 */
export function sealFields<T extends object>(
  codec: FieldCodec,
  record: T,
  fields: readonly (keyof T)[],
  aad: string,
): Record<string, unknown> {
  if (!codec.contentEncryption) return { ...record } as unknown as Record<string, unknown>;
  const rest = { ...record } as unknown as Record<string, unknown>;
  const content: Record<string, unknown> = {};
  for (const field of fields) {
    const name = field as string;
    if (rest[name] !== undefined) content[name] = rest[name];
    delete rest[name];
  }
  rest.$content = codec.sealContent(content, aad);
  return rest;
}

/** The inverse of `sealFields`; records written before encryption was turned on pass through. */
export function openFields<T>(codec: FieldCodec, stored: Record<string, unknown>, aad: string): T {
  if (!('$content' in stored)) return { ...stored } as T;
  const { $content, ...rest } = stored;
  return { ...rest, ...codec.openContent<Record<string, unknown>>($content, aad) } as T;
}

/** AAD strings, one place so both stores bind ciphertexts the same way. */
export const aadFor = {
  conversation: (id: string) => `conversation|${id}`,
  contact: (id: string) => `contact|${id}`,
  transcript: (id: string) => `transcript|${id}`,
  outbox: (id: string) => `outbox|${id}`,
  inbox: (id: string) => `inbox|${id}`,
  botToken: (botId: string) => `bot|${botId}|accessToken`,
};

/** The fields that hold message content, variables or personal data, per record kind. */
export const sealedFieldsOf = {
  conversation: ['snapshot', 'vars'],
  contact: ['waId', 'name', 'username', 'bsuid'],
  transcript: ['inbound', 'outbound', 'text', 'errors'],
  outbox: ['message', 'lastError'],
  inbox: ['event'],
} as const;
