import { z } from 'zod';
import { WHATSAPP_LIMITS, type OutboundMessageInput } from '@parley/flow';
import { defineNode } from '../defineNode.js';
import { field, template } from '../fields.js';
import { splitText, truncate } from '../support/text.js';

const media = z
  .object({
    kind: z.enum(['image', 'video', 'audio', 'document', 'sticker']).default('image').meta({ title: 'Kind' }),
    link: template({ label: 'The media URL', max: 2000, title: 'URL', placeholder: 'https://…' }).default(''),
    mediaId: field
      .text({
        label: 'The media id',
        max: 200,
        title: 'Media id',
        help: 'An id from an upload, instead of a URL',
      })
      .default(''),
    filename: template({ label: 'The file name', max: 240, title: 'File name (documents)' }).default(''),
  })
  .meta({ title: 'Media' });

const config = z.object({
  text: template({
    label: 'The message',
    max: WHATSAPP_LIMITS.textBody,
    title: 'Message',
    multiline: true,
  }).default('Hello!'),
  previewUrl: z
    .boolean()
    .default(false)
    .meta({ title: 'Show a link preview', description: 'For the first link in the text' }),
  media: media.optional(),
});

type MessageConfig = z.output<typeof config>;

const CAPTIONED = new Set(['image', 'video', 'document']);

function mediaMessages(settings: MessageConfig): OutboundMessageInput[] {
  const attached = settings.media;
  if (!attached) return [];
  const message: OutboundMessageInput = { type: 'media', mediaKind: attached.kind };
  if (attached.mediaId !== '') message.mediaId = attached.mediaId;
  else message.link = attached.link;
  if (attached.kind === 'document' && attached.filename !== '') message.filename = attached.filename;
  return [message];
}

/** Sends text with `{{variables}}`, optionally with an image, video, audio, document or sticker. */
export const message = defineNode({
  type: 'message',
  title: 'Message',
  category: 'Messages',
  icon: 'message-square',
  description: 'Sends a text, with variables, and optionally a picture, video, audio, document or sticker.',
  config,
  ports: [{ id: 'next', label: 'Next' }] as const,
  summary: (settings) => truncate(settings.text, 80) || (settings.media ? `${settings.media.kind}` : ''),
  check(settings) {
    const issues: Array<{ path: (string | number)[]; message: string; severity?: 'error' | 'warning' }> = [];
    const attached = settings.media;
    if (!attached && settings.text.trim() === '') {
      issues.push({ path: ['text'], message: 'Write a message or attach media' });
    }
    if (attached) {
      if (attached.link.trim() === '' && attached.mediaId.trim() === '') {
        issues.push({ path: ['media', 'link'], message: 'Give the media a URL or a media id' });
      } else if (attached.link.trim() !== '' && attached.mediaId.trim() !== '') {
        issues.push({ path: ['media', 'mediaId'], message: 'Use either a URL or a media id, not both' });
      }
      if (CAPTIONED.has(attached.kind) && settings.text.length > WHATSAPP_LIMITS.mediaCaption) {
        issues.push({
          path: ['text'],
          message: `With ${attached.kind === 'image' ? 'an image' : `a ${attached.kind}`} the text is a caption: it is ${settings.text.length} characters; WhatsApp allows ${WHATSAPP_LIMITS.mediaCaption}`,
        });
      }
      if (!CAPTIONED.has(attached.kind) && settings.text.trim() !== '') {
        issues.push({
          path: ['text'],
          message: `WhatsApp shows no caption on ${attached.kind === 'audio' ? 'audio' : 'stickers'}; the text will be sent as a separate message`,
          severity: 'warning',
        });
      }
    }
    return issues;
  },
  run({ config: settings }) {
    const messages = mediaMessages(settings);
    let text = settings.text;
    const first = messages[0];
    if (
      first?.type === 'media' &&
      CAPTIONED.has(first.mediaKind) &&
      text.trim() !== '' &&
      text.length <= WHATSAPP_LIMITS.mediaCaption
    ) {
      first.caption = text;
      text = '';
    }
    // A caption that grew past the limit once variables were filled in is sent as text instead.
    if (text.trim() !== '') {
      for (const piece of splitText(text, WHATSAPP_LIMITS.textBody)) {
        messages.push({ type: 'text', text: piece, ...(settings.previewUrl ? { previewUrl: true } : {}) });
      }
    }
    return { messages, next: { port: 'next' } };
  },
});
