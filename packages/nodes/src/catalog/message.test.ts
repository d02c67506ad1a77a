import { describe, expect, it } from 'vitest';
import { WHATSAPP_LIMITS } from '@parley/flow';
import { configIssuesOf, portsOf, runNodeForTest } from '../testing.js';
import { message } from './message.js';

describe('message', () => {
  it('parses defaults and leaves by next', async () => {
    expect(configIssuesOf(message)).toEqual([]);
    expect(portsOf(message).map((port) => port.id)).toEqual(['next']);
    const { result } = await runNodeForTest(message);
    expect(result).toEqual({ messages: [{ type: 'text', text: 'Hello!' }], next: { port: 'next' } });
  });

  it('renders variables and asks for a link preview', async () => {
    const { result } = await runNodeForTest(message, {
      config: { text: 'Hi {{name | "friend"}}, see https://example.com', previewUrl: true },
      vars: { name: 'Ada' },
    });
    expect(result.messages).toEqual([
      { type: 'text', text: 'Hi Ada, see https://example.com', previewUrl: true },
    ]);
  });

  it('sends an image with the text as caption, by URL or media id', async () => {
    const byLink = await runNodeForTest(message, {
      config: { text: 'Our menu', media: { kind: 'image', link: 'https://x.test/menu.png' } },
    });
    expect(byLink.result.messages).toEqual([
      { type: 'media', mediaKind: 'image', link: 'https://x.test/menu.png', caption: 'Our menu' },
    ]);
    const byId = await runNodeForTest(message, {
      config: { text: '', media: { kind: 'document', mediaId: '123', filename: 'menu.pdf' } },
    });
    expect(byId.result.messages).toEqual([
      { type: 'media', mediaKind: 'document', mediaId: '123', filename: 'menu.pdf' },
    ]);
  });

  it('sends text separately after audio and stickers, which have no caption', async () => {
    const { result } = await runNodeForTest(message, {
      config: { text: 'Listen', media: { kind: 'audio', link: 'https://x.test/a.ogg' } },
    });
    expect(result.messages).toEqual([
      { type: 'media', mediaKind: 'audio', link: 'https://x.test/a.ogg' },
      { type: 'text', text: 'Listen' },
    ]);
    expect(
      configIssuesOf(message, { text: 'Listen', media: { kind: 'audio', link: 'https://x.test/a.ogg' } }),
    ).toEqual([
      { path: ['text'], message: expect.stringContaining('no caption on audio'), severity: 'warning' },
    ]);
  });

  it('splits a text that grew past 4096 characters once rendered', async () => {
    const long = 'word '.repeat(600);
    const { result } = await runNodeForTest(message, {
      config: { text: '{{a}}\n\n{{b}}' },
      vars: { a: long, b: long },
    });
    expect(result.messages?.length).toBe(2);
    for (const sent of result.messages ?? [])
      expect(sent.type === 'text' && sent.text.length).toBeLessThanOrEqual(WHATSAPP_LIMITS.textBody);
  });

  it('rejects over-long text and captions, and media without a source', () => {
    expect(configIssuesOf(message, { text: 'x'.repeat(4097) })).toEqual([
      { path: ['text'], message: 'The message is 4097 characters; WhatsApp allows 4096', severity: 'error' },
    ]);
    expect(
      configIssuesOf(message, {
        text: 'x'.repeat(1025),
        media: { kind: 'image', link: 'https://x.test/a.png' },
      })[0]?.message,
    ).toBe('With an image the text is a caption: it is 1025 characters; WhatsApp allows 1024');
    expect(configIssuesOf(message, { media: { kind: 'video' } })).toContainEqual({
      path: ['media', 'link'],
      message: 'Give the media a URL or a media id',
      severity: 'error',
    });
    expect(configIssuesOf(message, { text: '' })).toEqual([
      { path: ['text'], message: 'Write a message or attach media', severity: 'error' },
    ]);
  });
});
