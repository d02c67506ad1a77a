import { textOf, type InboundMessage } from '@parley/flow';
import { safeTest } from './safeRegex.js';
import { normalizeAnswer } from './text.js';

/** How an `ask` node checks an answer (the `validation` field of its config). */
export type AnswerValidation =
  | { type: 'text'; minLength: number; maxLength: number }
  | { type: 'number'; min?: number | undefined; max?: number | undefined; integer: boolean }
  | { type: 'email' }
  | { type: 'phone' }
  | { type: 'date'; order: 'dmy' | 'mdy' | 'ymd' }
  | { type: 'choice'; values: string[] }
  | { type: 'regex'; pattern: string; caseSensitive: boolean }
  | { type: 'media'; kinds: Array<'image' | 'video' | 'audio' | 'document' | 'sticker'> }
  | { type: 'location' };

export type AnswerCheck = { ok: true; value: unknown } | { ok: false };

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

function parseNumber(text: string): number | undefined {
  // Accept "1 200", "1,5" (decimal comma) and "1,200.50" as people type them.
  let cleaned = text.trim().replace(/[\s']/g, '');
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(cleaned)) cleaned = cleaned.replace(/,/g, '');
  else if (/^-?\d+,\d+$/.test(cleaned)) cleaned = cleaned.replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return undefined;
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : undefined;
}

function parsePhone(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return undefined;
  return trimmed.startsWith('+') || trimmed.startsWith('00') ? `+${digits.replace(/^00/, '')}` : digits;
}

function parseDate(text: string, order: 'dmy' | 'mdy' | 'ymd'): string | undefined {
  const trimmed = text.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(trimmed);
  const parts = /^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$/.exec(trimmed);
  let year: number;
  let month: number;
  let day: number;
  if (iso) [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (parts) {
    const [a, b, c] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
    if (order === 'ymd') [year, month, day] = [a, b, c];
    else if (order === 'dmy') [day, month, year] = [a, b, c];
    else [month, day, year] = [a, b, c];
    if (year < 100) year += 2000;
  } else return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Checks one reply against an ask node's validation and returns the value to store.
 * @example validateAnswer({ type: 'number', integer: true, min: 1 }, textMessage('3')) // { ok: true, value: 3 }
 */
export function validateAnswer(validation: AnswerValidation, input: InboundMessage): AnswerCheck {
  if (validation.type === 'media') {
    if (input.type !== 'media') return { ok: false };
    if (validation.kinds.length > 0 && !validation.kinds.includes(input.mediaKind)) return { ok: false };
    return {
      ok: true,
      value: {
        kind: input.mediaKind,
        mediaId: input.mediaId,
        ...(input.mimeType ? { mimeType: input.mimeType } : {}),
        ...(input.caption ? { caption: input.caption } : {}),
        ...(input.filename ? { filename: input.filename } : {}),
      },
    };
  }
  if (validation.type === 'location') {
    if (input.type !== 'location') return { ok: false };
    return {
      ok: true,
      value: {
        latitude: input.latitude,
        longitude: input.longitude,
        ...(input.name ? { name: input.name } : {}),
        ...(input.address ? { address: input.address } : {}),
      },
    };
  }
  const text = textOf(input).trim();
  if (text === '') return { ok: false };
  switch (validation.type) {
    case 'text':
      return text.length >= validation.minLength && text.length <= validation.maxLength
        ? { ok: true, value: text }
        : { ok: false };
    case 'number': {
      const value = parseNumber(text);
      if (value === undefined) return { ok: false };
      if (validation.integer && !Number.isInteger(value)) return { ok: false };
      if (validation.min !== undefined && value < validation.min) return { ok: false };
      if (validation.max !== undefined && value > validation.max) return { ok: false };
      return { ok: true, value };
    }
    case 'email':
      return EMAIL.test(text) && text.length <= 254 ? { ok: true, value: text.toLowerCase() } : { ok: false };
    case 'phone': {
      const value = parsePhone(text);
      return value ? { ok: true, value } : { ok: false };
    }
    case 'date': {
      const value = parseDate(text, validation.order);
      return value ? { ok: true, value } : { ok: false };
    }
    case 'choice': {
      const said = normalizeAnswer(text);
      const value = validation.values.find((candidate) => normalizeAnswer(candidate) === said);
      return value !== undefined ? { ok: true, value } : { ok: false };
    }
    case 'regex':
      return safeTest(validation.pattern, validation.caseSensitive ? '' : 'i', text)
        ? { ok: true, value: text }
        : { ok: false };
  }
}
