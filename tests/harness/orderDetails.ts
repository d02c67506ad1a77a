// What a server can and cannot be held to when replies reach the phone out of order. It orders
// what it stored: the replies must follow the inbox's arrival order, and a webhook it answered
// 200 must be stored before the user's next message was even sent. A message whose first
// delivery was NOT answered 200 is redelivered later, possibly after its successor was stored:
// no server can order that pair. The inbox is read from the database, so every swap is placed on
// one side of that line.
import pg from 'pg';
import type { Simulator } from '@parley/simulator';
import { textOf } from './faultRig.js';
import type { SendAttempt } from './graphProxy.js';

/** One `userSends` as the test saw it: the status of its first delivery (0: connection failed). */
export interface PostRecord {
  text: string;
  status: number;
  /** ms since the test's t0 */
  at: number;
  tookMs: number;
}

/** Pairs `x>y`: x comes before y in `first` but after it in `second` (items in both only). */
export function inversions(first: string[], second: string[]): Array<[string, string]> {
  const position = new Map<string, number>();
  for (const [i, item] of second.entries()) if (!position.has(item)) position.set(item, i);
  const common = [...new Set(first)].filter((item) => position.has(item));
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < common.length; i++)
    for (let j = i + 1; j < common.length; j++)
      if (position.get(common[i]!)! > position.get(common[j]!)!) pairs.push([common[i]!, common[j]!]);
  return pairs;
}

/** One user's order, split by who is accountable. Texts are the user's messages. */
export function classifyOrder(input: {
  /** The user's messages in the order they were sent. */
  sent: PostRecord[];
  /** The same messages in the inbox's arrival order. */
  stored: string[];
  /** The messages whose replies reached the phone, in that order. */
  answered: string[];
}): { unorderable: string[]; storedOutOfOrder: string[]; processedOutOfOrder: string[] } {
  const firstStatus = new Map<string, number>();
  for (const post of input.sent) if (!firstStatus.has(post.text)) firstStatus.set(post.text, post.status);
  const stored = inversions(
    input.sent.map((p) => p.text),
    input.stored,
  );
  const show = ([x, y]: [string, string]) => `${x}>${y}`;
  return {
    unorderable: stored.filter(([x]) => firstStatus.get(x) !== 200).map(show),
    // Acknowledged, yet stored after a message sent only once that acknowledgement had come.
    storedOutOfOrder: stored.filter(([x]) => firstStatus.get(x) === 200).map(show),
    processedOutOfOrder: inversions(input.stored, input.answered).map(show),
  };
}

/**
 * The user messages in the inbox in arrival order (first arrival of each), per user. `parse`
 * picks the user and the text out of a stored event's JSON, or returns undefined to skip it.
 */
export async function inboxOrder(
  databaseUrl: string,
  parse: (eventJson: string) => { user: string; text: string } | undefined,
): Promise<Map<string, string[]>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ body: string }>(
      'SELECT event::text AS body FROM inbox ORDER BY arrival',
    );
    const order = new Map<string, string[]>();
    for (const row of rows) {
      const found = parse(row.body);
      if (!found) continue;
      const list = order.get(found.user) ?? [];
      if (!list.includes(found.text)) list.push(found.text);
      order.set(found.user, list);
    }
    return order;
  } finally {
    await client.end();
  }
}

/** One line per view of a user's order, times in ms since `t0`. */
export function orderDetails(input: {
  sim: Simulator;
  userId: string;
  posts: PostRecord[];
  stored: string[];
  sends: SendAttempt[];
  t0: number;
}): Record<string, string> {
  const { sim, userId, t0 } = input;
  return {
    userId,
    // text@posted+took=first status
    posts: input.posts.map((p) => `${p.text}@${p.at}+${p.tookMs}=${p.status}`).join(' '),
    stored: input.stored.join(' '),
    // reply text:instance@started+took=status
    sends: input.sends
      .filter((a) => a.key.startsWith(`${userId}|`))
      .sort((a, b) => a.startedAt - b.startedAt)
      .map(
        (a) =>
          `${a.key.slice(userId.length + 1)}:${a.tag}@${a.startedAt - t0}+${a.endedAt - a.startedAt}=${a.status}`,
      )
      .join(' '),
    phone: sim
      .conversation(userId)
      .filter((m) => m.direction === 'bot')
      .map((m) => `${textOf(m)}@${m.at - t0}`)
      .join(' '),
  };
}
