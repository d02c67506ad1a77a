import { ADMIN_TOKEN } from './faultRig.js';

/** GET a JSON document from the server's /api with the admin token. */
export async function apiGet(baseUrl: string, path: string): Promise<unknown> {
  const response = await fetch(`${baseUrl}/api${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (!response.ok) throw new Error(`GET /api${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** The conversation of `userId` as /api/conversations/:id returns it (transcript, outbox), or undefined. */
export async function conversationDetail(
  baseUrl: string,
  userId: string,
): Promise<Record<string, unknown> | undefined> {
  const list = (await apiGet(baseUrl, `/conversations?contact=${encodeURIComponent(userId)}`)) as {
    items: Array<{ id: string; userId: string }>;
  };
  const item = list.items.find((c) => c.userId === userId) ?? list.items[0];
  if (!item) return undefined;
  return (await apiGet(baseUrl, `/conversations/${encodeURIComponent(item.id)}`)) as Record<string, unknown>;
}

/** Outbox rows not yet settled (`pending`, or `sending` with an unknown outcome), from /metrics. */
export async function outboxDepth(baseUrl: string): Promise<number> {
  const response = await fetch(`${baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const match = /^parley_outbox_queue_depth(?:\{[^}]*\})? (\d+)/m.exec(await response.text());
  if (!match) throw new Error('/metrics has no parley_outbox_queue_depth');
  return Number(match[1]);
}
