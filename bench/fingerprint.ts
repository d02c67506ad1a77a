/**
 * A stable fingerprint of one bot message as the user saw it, to compare every simulated user's
 * conversation against a golden run (order and content) without keeping the messages.
 */
export function fingerprint(payload: Record<string, unknown>): string {
  const p = payload as {
    type?: string;
    text?: { body?: string };
    interactive?: { type?: string; body?: { text?: string } };
  };
  // Graph treats a send without `type` as text.
  if (p.type === 'text' || p.type === undefined) return `text:${String(p.text?.body).slice(0, 40)}`;
  if (p.type === 'interactive')
    return `${p.interactive?.type}:${String(p.interactive?.body?.text).slice(0, 40)}`;
  return String(p.type);
}
