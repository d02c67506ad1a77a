import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGraphStandIn, type GraphStandIn } from '../testing/startGraphStandIn.js';
import { createForwarder, signForwardedBody } from './createForwarder.js';

let target: GraphStandIn;
beforeEach(async () => {
  target = await startGraphStandIn();
  target.reply = () => ({ status: 200, text: 'ok' });
});
afterEach(async () => {
  await target.close();
});

const body = Buffer.from('{"object":"whatsapp_business_account","entry":[],"t":"Ol\\u00e1"}');
const quick = { baseMs: 5, maxMs: 20 };

describe('createForwarder', () => {
  it('re-posts the exact bytes with its own signature', async () => {
    const forwarder = createForwarder({ url: `${target.baseUrl}/hook`, secret: 's3cret', retry: quick });
    expect(forwarder.forward(body)).toBe(true);
    await forwarder.idle();
    const [request] = target.requests;
    expect(request?.path).toBe('/hook');
    expect(request?.body.equals(body)).toBe(true);
    expect(request?.headers['x-parley-signature-256']).toBe(signForwardedBody(body, 's3cret'));
    expect(request?.headers['content-type']).toBe('application/json');
    expect(forwarder.stats()).toMatchObject({ delivered: 1, failed: 0 });
  });

  it('never blocks: forward() returns before any delivery starts', () => {
    const forwarder = createForwarder({ url: `${target.baseUrl}/hook`, secret: 's', retry: quick });
    forwarder.forward(body);
    expect(target.requests).toHaveLength(0);
    return forwarder.idle();
  });

  it('retries 5xx and dropped connections with backoff, keeping one delivery id', async () => {
    const script = [{ status: 503, text: '' }, 'destroy' as const, { status: 429, text: '' }];
    target.reply = (_request, index) => script[index] ?? { status: 204, text: '' };
    const forwarder = createForwarder({ url: target.baseUrl, secret: 's', retry: quick });
    forwarder.forward(body);
    await forwarder.idle();
    expect(target.requests).toHaveLength(4);
    expect(new Set(target.requests.map((r) => r.headers['x-parley-delivery'])).size).toBe(1);
    expect(target.requests.map((r) => r.headers['x-parley-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(forwarder.stats()).toMatchObject({ delivered: 1, failed: 0 });
  });

  it('gives up on a 4xx at once and after maxAttempts on 5xx', async () => {
    target.reply = (request) =>
      request.body.toString() === 'a' ? { status: 400, text: '' } : { status: 500, text: '' };
    const forwarder = createForwarder({
      url: target.baseUrl,
      secret: 's',
      retry: { ...quick, maxAttempts: 3 },
    });
    forwarder.forward(Buffer.from('a'));
    forwarder.forward(Buffer.from('b'));
    await forwarder.idle();
    expect(target.requests.filter((r) => r.body.toString() === 'a')).toHaveLength(1);
    expect(target.requests.filter((r) => r.body.toString() === 'b')).toHaveLength(3);
    expect(forwarder.stats()).toMatchObject({ delivered: 0, failed: 2 });
  });

  it('bounds its queue and drops beyond it', async () => {
    target.reply = () => new Promise((resolve) => setTimeout(() => resolve({ status: 200, text: '' }), 20));
    const forwarder = createForwarder({
      url: target.baseUrl,
      secret: 's',
      maxQueue: 3,
      concurrency: 1,
      retry: quick,
    });
    const accepted = Array.from({ length: 6 }, () => forwarder.forward(body));
    expect(accepted).toEqual([true, true, true, false, false, false]);
    await forwarder.idle();
    expect(forwarder.stats()).toMatchObject({ delivered: 3, dropped: 3 });
  });

  it('stop() abandons pending retries and refuses new bodies', async () => {
    target.reply = () => ({ status: 500, text: '' });
    const forwarder = createForwarder({
      url: target.baseUrl,
      secret: 's',
      retry: { baseMs: 10_000, maxMs: 10_000 },
    });
    forwarder.forward(body);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await forwarder.stop();
    expect(forwarder.forward(body)).toBe(false);
    expect(target.requests).toHaveLength(1);
  });

  it('refuses a non-http URL or an empty secret', () => {
    expect(() => createForwarder({ url: 'file:///etc/passwd', secret: 's' })).toThrow(RangeError);
    expect(() => createForwarder({ url: 'https://x.test', secret: '' })).toThrow(RangeError);
  });
});
