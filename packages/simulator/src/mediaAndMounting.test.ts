/* eslint-disable @typescript-eslint/no-explicit-any -- assertions read untyped Graph JSON */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from './createSimulator.js';
import { signWebhookBody, toMetaJson } from './metaJson.js';
import { firstMessage, startTestReceiver } from './testReceiver.js';

const SECRET = 'media-secret';
const TOKEN = 'media-token';
let sim: Simulator | undefined;
let receiver: Awaited<ReturnType<typeof startTestReceiver>> | undefined;
const auth = { authorization: `Bearer ${TOKEN}` };

afterEach(async () => {
  await sim?.close();
  await receiver?.close();
});

async function setup() {
  receiver = await startTestReceiver(SECRET);
  sim = createSimulator({ appSecret: SECRET, webhookUrl: receiver.url, accessToken: TOKEN });
  const { url } = await sim.listen();
  return { sim, receiver, url };
}

function form(
  fields: Record<string, string>,
  file?: { data: Uint8Array<ArrayBuffer>; type: string; name: string },
) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  if (file) body.append('file', new Blob([file.data], { type: file.type }), file.name);
  return body;
}

describe('media', () => {
  it('uploads, resolves, downloads (with the token) and deletes', async () => {
    const { url } = await setup();
    const data = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const upload = await fetch(`${url}/v25.0/112233445566778/media`, {
      method: 'POST',
      headers: auth,
      body: form(
        { messaging_product: 'whatsapp', type: 'image/png' },
        { data, type: 'image/png', name: 'a.png' },
      ),
    });
    expect(upload.status).toBe(200);
    const { id } = (await upload.json()) as { id: string };
    expect(id).toMatch(/^\d+$/);

    const meta = (await (await fetch(`${url}/v25.0/${id}`, { headers: auth })).json()) as Record<
      string,
      string
    >;
    expect(meta).toMatchObject({ messaging_product: 'whatsapp', mime_type: 'image/png', file_size: '7', id });
    expect(meta.url).toMatch(new RegExp(`^${url}/media-download/${id}$`));

    expect((await fetch(meta.url ?? '')).status).toBe(401);
    const download = await fetch(meta.url ?? '', { headers: auth });
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(data);

    expect(await (await fetch(`${url}/v25.0/${id}`, { method: 'DELETE', headers: auth })).json()).toEqual({
      success: true,
    });
    const gone = (await (await fetch(`${url}/v25.0/${id}`, { headers: auth })).json()) as any;
    expect(gone.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('describes a hosted phone number', async () => {
    const { url } = await setup();
    const res = await fetch(`${url}/v25.0/112233445566778?fields=throughput`, { headers: auth });
    expect(await res.json()).toMatchObject({
      id: '112233445566778',
      display_phone_number: '15550001234',
      throughput: { level: 'STANDARD' },
    });
  });

  it('refuses an unsupported type or an oversize file with 131053, and a missing product with 100', async () => {
    const { url } = await setup();
    const post = (body: FormData) =>
      fetch(`${url}/v25.0/112233445566778/media`, { method: 'POST', headers: auth, body });
    const gif = await post(
      form({ messaging_product: 'whatsapp' }, { data: new Uint8Array(3), type: 'image/gif', name: 'a.gif' }),
    );
    expect(((await gif.json()) as any).error.code).toBe(131053);
    const huge = await post(
      form(
        { messaging_product: 'whatsapp' },
        { data: new Uint8Array(600 * 1024), type: 'image/webp', name: 's.webp' },
      ),
    );
    expect(((await huge.json()) as any).error).toMatchObject({
      code: 131053,
      error_data: { details: expect.stringContaining('sticker') },
    });
    const bare = await post(form({}, { data: new Uint8Array(3), type: 'image/png', name: 'a.png' }));
    expect(((await bare.json()) as any).error.code).toBe(100);
  });

  it("makes a user's media downloadable through Graph", async () => {
    const { sim, receiver, url } = await setup();
    await sim.userSends(
      { waId: '15557654321' },
      {
        type: 'document',
        mimeType: 'application/pdf',
        data: new TextEncoder().encode('%PDF-1.7'),
        filename: 'a.pdf',
      },
    );
    const document = firstMessage(receiver.received[0]).document as { id: string; sha256: string };
    const meta = (await (await fetch(`${url}/v25.0/${document.id}`, { headers: auth })).json()) as {
      url: string;
      sha256: string;
    };
    expect(meta.sha256).toBe(document.sha256);
    expect(await (await fetch(meta.url, { headers: auth })).text()).toBe('%PDF-1.7');
  });
});

describe('mounting and control', () => {
  it('serves Graph when mounted in-process under a path', async () => {
    receiver = await startTestReceiver(SECRET);
    sim = createSimulator({ appSecret: SECRET, webhookUrl: receiver.url, enforceWindow: false });
    const mounted = sim;
    const host = createServer((req, res) => {
      if (req.url?.startsWith('/graph/')) {
        Object.assign(req, { originalUrl: req.url, url: req.url.slice('/graph'.length) });
        return mounted.handler(req, res);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    try {
      const port = (host.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/graph/v25.0/112233445566778/messages`, {
        method: 'POST',
        body: JSON.stringify({
          messaging_product: 'whatsapp',
          to: '15550001111',
          type: 'text',
          text: { body: 'hi' },
        }),
      });
      expect(res.status).toBe(200);
      expect(sim.graphBaseUrl).toBeUndefined();
      expect(sim.conversation('15550001111')).toHaveLength(1);
    } finally {
      host.closeAllConnections();
      await new Promise((r) => host.close(r));
    }
  });

  it('works behind a JSON body parser that already consumed the stream', async () => {
    receiver = await startTestReceiver(SECRET);
    sim = createSimulator({ appSecret: SECRET, webhookUrl: receiver.url, enforceWindow: false });
    const mounted = sim;
    const host = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Object.assign(req, { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        mounted.handler(req, res);
      });
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    try {
      const port = (host.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/v25.0/112233445566778/messages`, {
        method: 'POST',
        body: JSON.stringify({
          messaging_product: 'whatsapp',
          to: '15550002222',
          type: 'text',
          text: { body: 'hi' },
        }),
      });
      expect(res.status).toBe(200);
    } finally {
      host.closeAllConnections();
      await new Promise((r) => host.close(r));
    }
  });

  it('drives the phone side and reads state over /_sim for out-of-process use', async () => {
    const { url } = await setup();
    const sent = await fetch(`${url}/_sim/send`, {
      method: 'POST',
      body: JSON.stringify({
        user: { waId: '15557654321', name: 'Bench' },
        message: { type: 'text', text: 'hi' },
      }),
    });
    expect(await sent.json()).toMatchObject({ wamid: expect.stringMatching(/^wamid\./), status: 200 });
    const fault = await fetch(`${url}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'drop', count: 1 }),
    });
    expect(fault.status).toBe(201);
    expect((await fetch(`${url}/_sim/faults`, { method: 'DELETE' })).status).toBe(204);
    await fetch(`${url}/v25.0/112233445566778/messages`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        to: '15557654321',
        type: 'text',
        text: { body: 'reply' },
      }),
    });
    const replies = (await (
      await fetch(`${url}/_sim/replies/15557654321?count=1&timeoutMs=1000`)
    ).json()) as any;
    expect(replies.messages[0].payload.text.body).toBe('reply');
    const conversation = (await (await fetch(`${url}/_sim/conversations/15557654321`)).json()) as any;
    expect(conversation.messages.map((m: any) => m.direction)).toEqual(['user', 'bot']);
    const stats = (await (await fetch(`${url}/_sim/stats`)).json()) as any;
    expect(stats).toMatchObject({ users: 1, userMessages: 1, botMessages: 1 });
    expect((await fetch(`${url}/_sim/nope`)).status).toBe(404);
  });
});

describe('toMetaJson / signWebhookBody', () => {
  it('escapes slashes and non-ASCII (lowercase hex, surrogate pairs) and nothing else', () => {
    expect(toMetaJson({ a: 'x/y', b: 'é€😀', c: 1, d: [true, null] })).toBe(
      '{"a":"x\\/y","b":"\\u00e9\\u20ac\\ud83d\\ude00","c":1,"d":[true,null]}',
    );
    expect(JSON.parse(toMetaJson({ s: 'a/é😀"\\' }))).toEqual({ s: 'a/é😀"\\' });
  });

  it('signs the exact bytes (a re-serialized body gets a different signature)', () => {
    const body = toMetaJson({ text: 'café/bar' });
    const signature = signWebhookBody(body, 'k');
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signWebhookBody(JSON.stringify(JSON.parse(body)), 'k')).not.toBe(signature);
    expect(signWebhookBody(body, 'other')).not.toBe(signature);
  });
});
