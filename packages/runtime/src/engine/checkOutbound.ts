import { outboundMessageSchema, type OutboundMessage, type OutboundMessageInput } from '@parley/flow';

/**
 * Validates a message a node returned, with `outboundMessageSchema`'s result and error detail.
 * Every message of every node passes through here (a rendered template may come out empty), so
 * the common shapes are checked by hand first; zod's parse costs several times more. The hand
 * check accepts only what the schema accepts and returns what the schema would (a copy in the
 * schema's key order, unknown keys dropped); anything else goes through the schema itself.
 */
export function checkOutbound(
  message: OutboundMessageInput,
): { ok: true; message: OutboundMessage } | { ok: false; detail: string } {
  const fast = parseCommonOutbound(message);
  if (fast !== null) return { ok: true, message: fast };
  const parsed = outboundMessageSchema.safeParse(message);
  if (parsed.success) return { ok: true, message: parsed.data };
  return {
    ok: false,
    detail: parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`)
      .join('; '),
  };
}

type Fields = Record<string, unknown>;

/** A plain object (what zod reads keys from without surprises), else null. */
function plain(value: unknown): Fields | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null ? (value as Fields) : null;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Copies optional string keys zod keeps: absent stays absent, present must be a string or undefined. */
function optionalStrings(from: Fields, to: Fields, keys: readonly string[]): boolean {
  for (const key of keys) {
    if (!(key in from)) continue;
    const value = from[key];
    if (value !== undefined && typeof value !== 'string') return false;
    to[key] = value;
  }
  return true;
}

function parseButtons(list: unknown): Fields[] | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  const out: Fields[] = [];
  for (const item of list) {
    const button = plain(item);
    if (!button || !isText(button.id) || !isText(button.title)) return null;
    out.push({ id: button.id, title: button.title });
  }
  return out;
}

function parseSections(list: unknown): Fields[] | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  const out: Fields[] = [];
  for (const item of list) {
    const section = plain(item);
    if (!section || !Array.isArray(section.rows) || section.rows.length === 0) return null;
    const next: Fields = {};
    if (!optionalStrings(section, next, ['title'])) return null;
    const rows: Fields[] = [];
    for (const rowItem of section.rows as unknown[]) {
      const row = plain(rowItem);
      if (!row || !isText(row.id) || !isText(row.title)) return null;
      const parsed: Fields = { id: row.id, title: row.title };
      if (!optionalStrings(row, parsed, ['description'])) return null;
      rows.push(parsed);
    }
    next.rows = rows;
    out.push(next);
  }
  return out;
}

/**
 * The schema's result for a valid text, buttons or list message (what the built-in nodes send),
 * or null: invalid, another type, or a shape left to zod (a media header).
 */
export function parseCommonOutbound(value: unknown): OutboundMessage | null {
  const message = plain(value);
  if (!message) return null;
  switch (message.type) {
    case 'text': {
      if (!isText(message.text)) return null;
      const out: Fields = { type: 'text', text: message.text };
      if ('previewUrl' in message) {
        if (message.previewUrl !== undefined && typeof message.previewUrl !== 'boolean') return null;
        out.previewUrl = message.previewUrl;
      }
      return out as OutboundMessage;
    }
    case 'buttons': {
      if (!isText(message.body) || message.mediaHeader !== undefined) return null;
      const out: Fields = { type: 'buttons', body: message.body };
      if (!optionalStrings(message, out, ['header'])) return null;
      if ('mediaHeader' in message) out.mediaHeader = undefined;
      if (!optionalStrings(message, out, ['footer'])) return null;
      const buttons = parseButtons(message.buttons);
      if (!buttons) return null;
      out.buttons = buttons;
      return out as OutboundMessage;
    }
    case 'list': {
      if (!isText(message.body)) return null;
      const out: Fields = { type: 'list', body: message.body };
      if (!optionalStrings(message, out, ['header', 'footer'])) return null;
      if (!isText(message.buttonLabel)) return null;
      out.buttonLabel = message.buttonLabel;
      const sections = parseSections(message.sections);
      if (!sections) return null;
      out.sections = sections;
      return out as OutboundMessage;
    }
    default:
      return null;
  }
}
