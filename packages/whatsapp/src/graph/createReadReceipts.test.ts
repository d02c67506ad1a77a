import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { graphErrorReply, startGraphStandIn, type GraphStandIn } from '../testing/startGraphStandIn.js';
import { createGraphClient } from './createGraphClient.js';
import { createReadReceipts } from './createReadReceipts.js';

let graph: GraphStandIn;
beforeEach(async () => {
  graph = await startGraphStandIn();
  graph.reply = () => ({ status: 200, json: { success: true } });
});
afterEach(async () => {
  await graph.close();
});

const receipts = (extra = {}) => {
  const client = createGraphClient({ baseUrl: graph.baseUrl, accessToken: 't' });
  return createReadReceipts({ graph: () => client, ...extra });
};

describe('createReadReceipts', () => {
  it('marks a message read', async () => {
    expect(await receipts().markRead('1055', 'wamid.IN')).toBe(true);
    expect(graph.requests[0]?.json).toEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.IN',
    });
  });

  it('is best effort: a refusal or a missing client is false, never an exception', async () => {
    graph.reply = () => graphErrorReply(400, 100);
    expect(await receipts().markRead('1055', 'wamid.IN')).toBe(false);
    expect(await createReadReceipts({ graph: () => null }).markRead('1055', 'w')).toBe(false);
  });

  it('shows typing until stopped, refreshing it', async () => {
    const stop = receipts({ typingRefreshMs: 30 }).startTyping('1055', 'wamid.IN');
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const count = graph.requests.length;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(graph.requests[0]?.json).toMatchObject({ typing_indicator: { type: 'text' } });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(graph.requests.length).toBe(count);
  });

  it('stops refreshing at the cap even if never stopped', async () => {
    receipts({ typingRefreshMs: 20, maxTypingMs: 50 }).startTyping('1055', 'wamid.IN');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(graph.requests.length).toBeLessThanOrEqual(4);
  });
});
