import { createHash } from 'node:crypto';

/** Meta's accepted media types and size caps (PROTOCOL.md §9). */
export const MEDIA_RULES: ReadonlyArray<{ kind: string; types: readonly string[]; maxBytes: number }> = [
  {
    kind: 'audio',
    types: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'],
    maxBytes: 16 * 1024 * 1024,
  },
  {
    kind: 'document',
    types: [
      'text/plain',
      'application/pdf',
      'application/msword',
      'application/vnd.ms-excel',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    maxBytes: 100 * 1024 * 1024,
  },
  { kind: 'image', types: ['image/jpeg', 'image/png'], maxBytes: 5 * 1024 * 1024 },
  { kind: 'sticker', types: ['image/webp'], maxBytes: 500 * 1024 },
  { kind: 'video', types: ['video/mp4', 'video/3gpp'], maxBytes: 16 * 1024 * 1024 },
];

/** The rule for a MIME type (parameters such as `; codecs=opus` ignored), if WhatsApp accepts it. */
export function mediaRuleFor(mimeType: string) {
  const base = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  return MEDIA_RULES.find((rule) => rule.types.includes(base));
}

/** One stored media object. */
export interface StoredMedia {
  id: string;
  mimeType: string;
  sha256: string;
  data: Uint8Array;
}

/** Uploaded and user-sent media, kept in memory, bounded by total bytes (oldest evicted). */
export class MediaStore {
  private readonly items = new Map<string, StoredMedia>();
  private bytes = 0;

  constructor(
    private readonly newId: () => string,
    private readonly maxBytes = 256 * 1024 * 1024,
  ) {}

  put(data: Uint8Array, mimeType: string): StoredMedia {
    const media = {
      id: this.newId(),
      mimeType,
      sha256: createHash('sha256').update(data).digest('base64'),
      data,
    };
    this.items.set(media.id, media);
    this.bytes += data.byteLength;
    for (const [id, old] of this.items) {
      if (this.bytes <= this.maxBytes || id === media.id) break;
      this.items.delete(id);
      this.bytes -= old.data.byteLength;
    }
    return media;
  }

  get(id: string): StoredMedia | undefined {
    return this.items.get(id);
  }

  delete(id: string): boolean {
    const media = this.items.get(id);
    if (media) this.bytes -= media.data.byteLength;
    return this.items.delete(id);
  }
}

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * A small multipart/form-data parser, enough for `POST /media` (fields and one file).
 * @example parseMultipart(body, 'X-BOUNDARY') // [{ name: 'messaging_product', data: <whatsapp> }, ...]
 */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const chunk = body.subarray(start + delimiter.length + 2, next - 2); // strip CRLF on both sides
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = chunk.subarray(0, headerEnd).toString('utf8');
      const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
      const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim();
      if (name !== undefined)
        parts.push({ name, filename, contentType, data: chunk.subarray(headerEnd + 4) });
    }
    start = next;
  }
  return parts;
}
