import { describe, expect, it } from 'vitest';
import { signBody } from './verifySignature.js';
import { sample, SECRET, useWebhookServer } from './webhookHandlerTestKit.js';

const start = useWebhookServer();

describe('createWebhookHandler over real HTTP', () => {
  it.each([
    ['missing', undefined],
    ['wrong prefix', (body: Buffer) => signBody(body, SECRET).replace('sha256=', 'sha1=')],
    ['wrong secret', (body: Buffer) => signBody(body, 'not-the-secret')],
  ])('401 and nothing stored when the signature is %s', async (_name, sign) => {
    const { url, inbox, accepted, forwarded } = await start();
    const body = sample('text_message.json');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (sign) headers['x-hub-signature-256'] = sign(body);
    const response = await fetch(url, { method: 'POST', headers, body: new Uint8Array(body) });
    expect(response.status).toBe(401);
    expect(inbox.rows).toEqual([]);
    expect(accepted).toEqual([]);
    expect(forwarded).toEqual([]);
  });

  it('401 when one byte of the body changed after signing', async () => {
    const { post, inbox } = await start();
    const body = sample('text_message.json');
    const tampered = Buffer.from(body.toString('utf8').replace('Sundays', 'Mondays'));
    const response = await post(tampered, { 'x-hub-signature-256': signBody(body, SECRET) });
    expect(response.status).toBe(401);
    expect(inbox.rows).toEqual([]);
  });

  it('accepts a raw UTF-8 unicode body signed over its bytes', async () => {
    const { post, inbox } = await start();
    const text = JSON.parse(sample('text_message.json').toString('utf8'));
    text.entry[0].changes[0].value.messages[0].text.body = 'Olá 👋 ñandú /path';
    const response = await post(Buffer.from(JSON.stringify(text), 'utf8'));
    expect(response.status).toBe(200);
    expect(inbox.rows[0]?.event).toMatchObject({ message: { text: 'Olá 👋 ñandú /path' } });
  });

  it('415 for anything but application/json, before reading or verifying', async () => {
    const { post, inbox } = await start();
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      expect((await post(sample('text_message.json'), { 'content-type': type })).status).toBe(415);
    }
    expect(
      (await post(sample('text_message.json'), { 'content-type': 'application/json; charset=utf-8' })).status,
    ).toBe(200);
    expect(inbox.rows).toHaveLength(1);
  });

  it('400 for a signed body that is not JSON; nothing stored', async () => {
    const { post, inbox } = await start();
    expect((await post('{"object": "whatsapp_business_account", ')).status).toBe(400);
    expect(inbox.rows).toEqual([]);
  });

  it('200 and logged for a signed envelope Parley does not handle', async () => {
    const warnings: string[] = [];
    const infos: object[] = [];
    const log = {
      debug: () => undefined,
      info: (fields: object) => infos.push(fields),
      warn: (_f: object, message?: string) => warnings.push(message ?? ''),
      error: () => undefined,
    };
    const { post, inbox } = await start({ log });
    const otherField = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        { id: '1', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] },
      ],
    });
    expect((await post(otherField)).status).toBe(200);
    expect((await post('{"hello":"world"}')).status).toBe(200);
    expect((await post(sample('value_level_errors.json'))).status).toBe(200);
    expect(inbox.rows).toEqual([]);
    expect(infos).toContainEqual({ reason: 'unhandled_field', field: 'message_template_status_update' });
    expect(warnings).toContain('signed webhook is not an envelope; ignored');
    expect(warnings).toContain('WhatsApp reported an account-level error');
  });
});
