import { once } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { InboxRecord } from '@parley/flow';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createWebhookHandler,
  WebhookConfigError,
  type WebhookHandlerOptions,
} from './createWebhookHandler.js';
import type { MessageStatusEvent } from './parseWebhook.js';
import { signBody } from './verifySignature.js';

const SECRET = 'test-app-secret';
const sample = (name: string) => readFileSync(new URL(`./samples/${name}`, import.meta.url));

/** The storage seam: an in-memory inbox with the Store's dedupe-by-id semantics. */
function memoryInbox() {
  const rows: InboxRecord[] = [];
  return {
    rows,
    failNext: false,
    async appendInbox(records: InboxRecord[]) {
      if (this.failNext) {
        this.failNext = false;
        throw new Error('disk full');
      }
      const fresh = records.filter((r) => !rows.some((row) => row.id === r.id));
      rows.push(...fresh);
      return fresh.map((r) => r.id);
    },
  };
}

let server: Server | undefined;
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  }
});

async function start(extra: Partial<WebhookHandlerOptions> = {}) {
  const inbox = memoryInbox();
  const accepted: string[][] = [];
  const forwarded: Buffer[] = [];
  const handler = createWebhookHandler({
    appSecrets: [SECRET],
    verifyToken: 'verify-me',
    inbox,
    onAccepted: (ids) => accepted.push(ids),
    forwarder: { forward: (raw) => forwarded.push(raw) },
    clock: () => 42,
    ...extra,
  });
  server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  const post = (body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': signBody(body, SECRET),
        ...headers,
      },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
  return { inbox, accepted, forwarded, url, post };
}

/** A raw node:http request, for bodies fetch cannot send (chunked slow streams, lying lengths). */
function rawRequest(
  url: string,
  headers: Record<string, string | number>,
  write: (req: ReturnType<typeof request>) => void,
) {
  return new Promise<{ status: number | undefined; error?: string }>((resolve) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: undefined, error: error.code ?? error.message }),
    );
    write(req);
  });
}

describe('createWebhookHandler over real HTTP', () => {
  it('refuses to start without an app secret', () => {
    expect(() => createWebhookHandler({ appSecrets: [''], verifyToken: 'x', inbox: memoryInbox() })).toThrow(
      WebhookConfigError,
    );
  });

  it('answers the GET handshake with the challenge as plain text, 403 otherwise', async () => {
    const { url } = await start();
    const ok = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=8731`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe('8731');
    const bad = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=8731`);
    expect(bad.status).toBe(403);
    expect(await bad.text()).not.toContain('8731');
  });

  it('stores a signed sample, answers 200, then reports the new ids', async () => {
    const { post, inbox, accepted, forwarded } = await start();
    const body = sample('batch_two_users_two_messages.json');
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(inbox.rows.map((r) => [r.id.slice(0, 11), r.conversationId, r.receivedAt, r.status])).toEqual([
      ['wamid.HBgMN', '112233445566778:447700900123', 42, 'pending'],
      ['wamid.HBgLM', '112233445566778:15557654321', 42, 'pending'],
    ]);
    expect(accepted).toEqual([inbox.rows.map((r) => r.id)]);
    expect(forwarded).toEqual([body]);
  });

  it('duplicate delivery: 200 again, nothing new stored', async () => {
    const { post, inbox, accepted } = await start();
    const body = sample('text_message.json');
    expect((await post(body)).status).toBe(200);
    expect((await post(body)).status).toBe(200);
    expect(inbox.rows).toHaveLength(1);
    expect(accepted).toEqual([[inbox.rows[0]?.id], []]);
  });

  it('stores every status of a batch, each once', async () => {
    const { post, inbox } = await start();
    await post(sample('status_batch_delivered_read_failed.json'));
    expect(inbox.rows.map((r) => r.event.type)).toEqual([
      'message.status',
      'message.status',
      'message.status',
    ]);
  });

  describe('with a status target', () => {
    /** Applies statuses once its gate opens (or fails, once), recording what it was given. */
    function statusTarget() {
      let open: () => void = () => undefined;
      const target = {
        applied: [] as string[],
        failNext: false,
        gate: Promise.resolve(),
        hold() {
          this.gate = new Promise<void>((resolve) => (open = resolve));
        },
        release: () => open(),
        async applyStatuses(events: MessageStatusEvent[]) {
          await this.gate;
          if (this.failNext) {
            this.failNext = false;
            throw new Error('database unreachable');
          }
          this.applied.push(...events.map((event) => `${event.wamid.slice(-6)}:${event.status}`));
        },
      };
      return target;
    }

    it('applies sent/delivered/read before the 200; a failed one goes to the inbox', async () => {
      const statuses = statusTarget();
      const { post, inbox, accepted } = await start({ statuses });
      statuses.hold();
      let answered = false;
      const response = post(sample('status_batch_delivered_read_failed.json')).then((r) => {
        answered = true;
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The answer waits for the statuses: a 200 promises Meta they are applied.
      expect(answered).toBe(false);
      statuses.release();
      expect((await response).status).toBe(200);
      expect(statuses.applied.map((s) => s.split(':')[1])).toEqual(['delivered', 'read']);
      expect(inbox.rows.map((r) => r.event.type === 'message.status' && r.event.status)).toEqual(['failed']);
      expect(accepted).toEqual([[inbox.rows[0]?.id]]);
    });

    it('queues the statuses in the inbox when applying them fails; 500 only when that fails too', async () => {
      const statuses = statusTarget();
      const { post, inbox, accepted } = await start({ statuses });
      const body = sample('status_batch_delivered_read_failed.json');
      statuses.failNext = true;
      expect((await post(body)).status).toBe(200);
      expect(statuses.applied).toEqual([]);
      const queued = inbox.rows.map((r) => r.event.type === 'message.status' && r.event.status);
      expect(queued.sort()).toEqual(['delivered', 'failed', 'read']);
      expect(accepted[0]).toHaveLength(3);
      // Both ways closed: not acknowledged, so Meta redelivers.
      statuses.failNext = true;
      inbox.failNext = true;
      const other = Buffer.from(body.toString('utf8').replaceAll('wamid.HBg', 'wamid.XBg'));
      expect((await post(other)).status).toBe(500);
    });

    it('messages still go to the inbox', async () => {
      const statuses = statusTarget();
      const { post, inbox } = await start({ statuses });
      expect((await post(sample('text_message.json'))).status).toBe(200);
      expect(inbox.rows.map((r) => r.event.type)).toEqual(['user.message']);
      expect(statuses.applied).toEqual([]);
    });
  });

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

  it('500 (so Meta retries) when the inbox cannot store, and no onAccepted', async () => {
    const { post, inbox, accepted } = await start();
    inbox.failNext = true;
    expect((await post(sample('text_message.json'))).status).toBe(500);
    expect(accepted).toEqual([]);
    expect((await post(sample('text_message.json'))).status).toBe(200);
    expect(inbox.rows).toHaveLength(1);
  });

  it('413 when Content-Length is over the cap, even for a body that never comes (after a short wait)', async () => {
    const { url, inbox } = await start({ maxBodyBytes: 1024 });
    const result = await rawRequest(
      url,
      { 'content-type': 'application/json', 'content-length': 10_000_000 },
      (req) => req.write('{'),
    );
    expect(result.status).toBe(413);
    expect(inbox.rows).toEqual([]);
  });

  it('413 reaches a client that sends its whole declared body: the body is drained, not reset', async () => {
    const { url, inbox } = await start({ maxBodyBytes: 1024 * 1024 });
    // Bigger than the loopback socket buffers: a server that hung up after answering would leave
    // the client writing into a reset connection (and, on a busy machine, losing the 413 to it).
    const big = Buffer.alloc(12 * 1024 * 1024, 0x20);
    const headers = { 'content-type': 'application/json', 'x-hub-signature-256': signBody(big, SECRET) };
    const agent = new Agent({ keepAlive: false });
    const results = [];
    for (let i = 0; i < 3; i += 1)
      results.push(
        await new Promise<{ status?: number; error?: string }>((resolve) => {
          const outcome: { status?: number; error?: string } = {};
          const req = request(url, { method: 'POST', headers, agent }, (res) => {
            outcome.status = res.statusCode;
            res.resume();
          });
          req.on('error', (error: NodeJS.ErrnoException) => (outcome.error = error.code ?? error.message));
          req.on('close', () => resolve(outcome));
          req.end(big);
        }),
      );
    agent.destroy();
    expect(results).toEqual(Array(3).fill({ status: 413 }));
    // A wrong content type is refused the same way.
    const typed = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: big });
    expect(typed.status).toBe(415);
    expect(inbox.rows).toEqual([]);
  });

  it('413 as soon as a chunked body passes the cap, without reading the rest', async () => {
    const { url, inbox } = await start({ maxBodyBytes: 64 * 1024 });
    let written = 0;
    const result = await rawRequest(url, { 'content-type': 'application/json' }, (req) => {
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        // Keep writing until the server answers or drops us: proves it stops reading early.
        while (written < 50 * 1024 * 1024 && !req.destroyed) {
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(result.status === 413 || result.error === 'ECONNRESET' || result.error === 'EPIPE').toBe(true);
    expect(written).toBeLessThan(50 * 1024 * 1024);
    expect(inbox.rows).toEqual([]);
  });

  it('408 when the client stalls mid-body', async () => {
    const { url, inbox } = await start({ bodyTimeoutMs: 150 });
    const result = await rawRequest(
      url,
      { 'content-type': 'application/json', 'content-length': 500 },
      (req) => req.write('{"object":'),
    );
    expect(result.status).toBe(408);
    expect(inbox.rows).toEqual([]);
  });

  it('405 for other methods; the server survives garbage', async () => {
    const { url, post } = await start();
    expect((await fetch(url, { method: 'PUT', body: 'x' })).status).toBe(405);
    expect((await post(Buffer.from([0xff, 0xfe, 0x00, 0x01]))).status).toBe(400);
    expect((await post('')).status).toBe(400);
    expect((await post('null')).status).toBe(200);
    expect((await post(sample('text_message.json'))).status).toBe(200);
  });

  it('works behind express.raw(): reuses the Buffer it left on req.body', async () => {
    const inbox = memoryInbox();
    const handler = createWebhookHandler({ appSecrets: [SECRET], verifyToken: 'v', inbox });
    const body = sample('reaction_message.json');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Object.assign(req, { body: Buffer.concat(chunks) });
        handler(req, res);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SECRET) },
      body: new Uint8Array(body),
    });
    expect(response.status).toBe(200);
    expect(inbox.rows).toHaveLength(1);
  });
});
