import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acceptedSend,
  graphErrorReply,
  startGraphStandIn,
  type GraphStandIn,
} from '../testing/startGraphStandIn.js';
import { classifyGraphError } from './GraphError.js';
import { createGraphClient, DEFAULT_GRAPH_API_VERSION } from './createGraphClient.js';
import { createThreadTransport } from './createThreadTransport.js';
import type { GraphTransport } from './graphTransport.js';

let graph: GraphStandIn;
beforeEach(async () => {
  graph = await startGraphStandIn();
});
afterEach(async () => {
  await graph.close();
});

const thread = createThreadTransport();
afterAll(() => thread.close());

// Every behaviour holds for both transports: node:http on the event loop (the default) and the
// same exchange on the transport thread (what the server uses).
const transports: Array<[string, GraphTransport | undefined]> = [
  ['on the event loop', undefined],
  ['on the transport thread', thread.send],
];

describe.each(transports)('createGraphClient, requests %s', (_where, transport) => {
  const client = (extra: Partial<Parameters<typeof createGraphClient>[0]> = {}) =>
    createGraphClient({
      baseUrl: graph.baseUrl,
      version: 'v25.0',
      accessToken: 'EAAtoken',
      timeoutMs: 2000,
      transport,
      ...extra,
    });

  describe('createGraphClient.sendMessage', () => {
    it('POSTs /{version}/{phone-number-id}/messages with the bearer token and returns the wamid', async () => {
      graph.reply = () => acceptedSend('wamid.ABC');
      const result = await client().sendMessage(
        '1055',
        '15557654321',
        { type: 'text', text: 'Hi 👋' },
        {
          callbackData: 'outbox-1',
          replyTo: 'wamid.IN',
        },
      );
      expect(result).toEqual({ ok: true, wamid: 'wamid.ABC', waId: '15557654321' });
      const [request] = graph.requests;
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/v25.0/1055/messages');
      expect(request?.headers.authorization).toBe('Bearer EAAtoken');
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.json).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '+15557654321',
        type: 'text',
        text: { body: 'Hi 👋', preview_url: false },
        context: { message_id: 'wamid.IN' },
        biz_opaque_callback_data: 'outbox-1',
      });
    });

    it('addresses a BSUID with `recipient` instead of `to`', async () => {
      await client().sendMessage('1055', 'US.13491208655302741918', { type: 'text', text: 'x' });
      expect(graph.requests[0]?.json).toMatchObject({ recipient: 'US.13491208655302741918' });
      expect(graph.requests[0]?.json).not.toHaveProperty('to');
    });

    it('uses the default version when none is given and accepts a bare number', async () => {
      await createGraphClient({ baseUrl: `${graph.baseUrl}/`, accessToken: 't' }).sendMessage('1', '2', {
        type: 'text',
        text: 'x',
      });
      await client({ version: '24.0' }).sendMessage('1', '2', { type: 'text', text: 'x' });
      expect(graph.requests.map((r) => r.path)).toEqual([
        `/${DEFAULT_GRAPH_API_VERSION}/1/messages`,
        '/v24.0/1/messages',
      ]);
    });

    it('refuses an invalid message locally without calling Graph', async () => {
      const result = await client().sendMessage('1', '2', {
        type: 'buttons',
        body: 'b',
        buttons: [{ id: '1', title: 'This title is far too long' }],
      });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.transport).toBe('local_validation');
      expect(result.error.message).toContain("Button 1's title is 26 characters; WhatsApp allows 20.");
      expect(classifyGraphError(result.error)).toBe('permanent');
      expect(graph.requests).toHaveLength(0);
    });

    it('refuses callback data over 512 characters', async () => {
      const result = await client().sendMessage(
        '1',
        '2',
        { type: 'text', text: 'x' },
        { callbackData: 'c'.repeat(513) },
      );
      expect(result.ok).toBe(false);
      expect(graph.requests).toHaveLength(0);
    });

    it.each([
      [429, 130429, 'retry'],
      [400, 131056, 'retry'],
      [400, 131047, 'needs_template'],
      [401, 190, 'credentials'],
      [400, 131009, 'permanent'],
    ] as const)('HTTP %i code %i → %s, with trace id', async (status, code, expected) => {
      graph.reply = () => graphErrorReply(status, code);
      const result = await client().sendMessage('1', '2', { type: 'text', text: 'x' });
      if (result.ok) throw new Error('expected a failure');
      expect(result.error).toMatchObject({
        code,
        httpStatus: status,
        traceId: `trace-${code}`,
        ambiguous: false,
      });
      expect(classifyGraphError(result.error)).toBe(expected);
    });

    it('a 5xx without an envelope is retryable', async () => {
      graph.reply = () => ({ status: 503, text: 'upstream down' });
      const result = await client().sendMessage('1', '2', { type: 'text', text: 'x' });
      if (result.ok) throw new Error('expected a failure');
      expect(classifyGraphError(result.error)).toBe('retry');
    });

    it('a timeout is a retryable, ambiguous failure (the message may have gone out)', async () => {
      graph.reply = () => 'hang';
      const result = await client({ timeoutMs: 100 }).sendMessage('1', '2', { type: 'text', text: 'x' });
      if (result.ok) throw new Error('expected a failure');
      expect(result.error).toMatchObject({ transport: 'timeout', ambiguous: true });
      expect(classifyGraphError(result.error)).toBe('retry');
    });

    it('a dropped connection is ambiguous; a refused one is not', async () => {
      graph.reply = () => 'destroy';
      const dropped = await client().sendMessage('1', '2', { type: 'text', text: 'x' });
      if (dropped.ok) throw new Error('expected a failure');
      expect(dropped.error).toMatchObject({ transport: 'network', ambiguous: true });
      const base = graph.baseUrl;
      await graph.close();
      const refused = await createGraphClient({ baseUrl: base, accessToken: 't', transport }).sendMessage(
        '1',
        '2',
        {
          type: 'text',
          text: 'x',
        },
      );
      if (refused.ok) throw new Error('expected a failure');
      expect(refused.error).toMatchObject({ transport: 'network', ambiguous: false });
      graph = await startGraphStandIn();
    });

    it('a 200 without a message id is ambiguous', async () => {
      graph.reply = () => ({ status: 200, json: { messaging_product: 'whatsapp' } });
      const result = await client().sendMessage('1', '2', { type: 'text', text: 'x' });
      if (result.ok) throw new Error('expected a failure');
      expect(result.error.ambiguous).toBe(true);
    });
  });

  describe('createGraphClient: read receipts, typing, media', () => {
    it('marks read, with the typing indicator on request', async () => {
      graph.reply = () => ({ status: 200, json: { success: true } });
      expect(await client().markRead('1055', 'wamid.IN')).toEqual({ ok: true });
      expect(await client().markRead('1055', 'wamid.IN', { typing: true })).toEqual({ ok: true });
      expect(graph.requests.map((r) => r.json)).toEqual([
        { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.IN' },
        {
          messaging_product: 'whatsapp',
          status: 'read',
          message_id: 'wamid.IN',
          typing_indicator: { type: 'text' },
        },
      ]);
    });

    it('uploads media as multipart form data', async () => {
      graph.reply = () => ({ status: 200, json: { id: 'media-77' } });
      const result = await client().uploadMedia('1055', {
        data: Buffer.from('%PDF-1.4 fake'),
        mimeType: 'application/pdf',
        filename: 'invoice.pdf',
      });
      expect(result).toEqual({ ok: true, mediaId: 'media-77' });
      const [request] = graph.requests;
      expect(request?.path).toBe('/v25.0/1055/media');
      expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      const text = request?.body.toString('utf8') ?? '';
      expect(text).toContain('name="messaging_product"');
      expect(text).toContain('filename="invoice.pdf"');
      expect(text).toContain('%PDF-1.4 fake');
    });

    it('resolves a media id, then downloads the URL with the token', async () => {
      graph.reply = (request) =>
        request.path.startsWith('/v25.0/')
          ? {
              status: 200,
              json: {
                messaging_product: 'whatsapp',
                url: `${graph.baseUrl}/lookaside/file?mid=9`,
                mime_type: 'image/jpeg',
                sha256: 'abc',
                file_size: '5',
                id: '9',
              },
            }
          : request.headers.authorization === 'Bearer EAAtoken'
            ? { status: 200, text: 'JPEG!', headers: { 'content-type': 'image/jpeg' } }
            : { status: 401, text: '' };
      const result = await client().downloadMedia('9', { phoneNumberId: '1055' });
      expect(result).toEqual({ ok: true, data: Buffer.from('JPEG!'), mimeType: 'image/jpeg', sha256: 'abc' });
      expect(graph.requests.map((r) => r.path)).toEqual([
        '/v25.0/9?phone_number_id=1055',
        '/lookaside/file?mid=9',
      ]);
      expect(graph.requests[1]?.headers['user-agent']).toBeTruthy();
    });

    it('media lookup errors and oversized files are failures, not exceptions', async () => {
      graph.reply = () => graphErrorReply(404, 100, 'Unsupported get request');
      expect((await client().getMediaUrl('nope')).ok).toBe(false);
      graph.reply = () => ({ status: 200, json: { url: `${graph.baseUrl}/f`, file_size: 10_000 } });
      const big = await client({ maxDownloadBytes: 100 }).downloadMedia('9');
      expect(big.ok).toBe(false);
      // The size Graph announced was small, but the file is not: the stream is cut at the cap.
      graph.reply = (request) =>
        request.path.startsWith('/v25.0/')
          ? { status: 200, json: { url: `${graph.baseUrl}/f`, file_size: 10 } }
          : { status: 200, text: 'x'.repeat(5000) };
      const lying = await client({ maxDownloadBytes: 100 }).downloadMedia('9');
      expect(lying.ok).toBe(false);
    });
  });

  describe('createGraphClient: transport', () => {
    it('reuses kept-alive connections for consecutive requests', async () => {
      let connections = 0;
      const server = createServer((_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ messages: [{ id: 'wamid.K' }] }));
      });
      server.on('connection', () => (connections += 1));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const graphClient = createGraphClient({
          baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          accessToken: 't',
          transport,
        });
        for (let i = 0; i < 10; i += 1) {
          expect(await graphClient.sendMessage('1', '2', { type: 'text', text: 'x' })).toMatchObject({
            ok: true,
          });
        }
        // undici's pool opens a second connection for the request that follows the first one's
        // answer at once (the first is not yet marked free), then reuses both.
        expect(connections).toBeLessThanOrEqual(2);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('sends through an injected fetch, with the same timeout and error handling', async () => {
      const seen: string[] = [];
      const viaFetch = client({
        timeoutMs: 100,
        fetch: (input, init) => {
          seen.push(`${init?.method} ${String(input)}`);
          return fetch(input, init);
        },
      });
      expect(await viaFetch.sendMessage('1055', '2', { type: 'text', text: 'x' })).toMatchObject({
        ok: true,
      });
      expect(seen).toEqual([`POST ${graph.baseUrl}/v25.0/1055/messages`]);
      expect(graph.requests[0]?.headers.authorization).toBe('Bearer EAAtoken');
      graph.reply = () => 'hang';
      const timedOut = await viaFetch.sendMessage('1', '2', { type: 'text', text: 'x' });
      if (timedOut.ok) throw new Error('expected a failure');
      expect(timedOut.error).toMatchObject({ transport: 'timeout', ambiguous: true });
    });

    it('an answer over the size cap is an unreadable, ambiguous answer, not a crash', async () => {
      graph.reply = () => ({ status: 200, text: `{"pad":"${'x'.repeat(5000)}"}` });
      const result = await client({ maxDownloadBytes: 100 }).sendMessage('1', '2', {
        type: 'text',
        text: 'x',
      });
      if (result.ok) throw new Error('expected a failure');
      expect(result.error).toMatchObject({ transport: 'invalid_response', ambiguous: true });
    });
  });
});
