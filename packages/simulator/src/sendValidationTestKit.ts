/* eslint-disable @typescript-eslint/no-explicit-any -- Graph's JSON answers and list rows are untyped here */
// Shared pieces of the send-validation tests: one simulator for the calling test file (a user has
// written to it, so the 24-hour window is open) and builders for Graph message bodies.
import { afterAll, beforeAll } from 'vitest';
import { createSimulator, type Simulator } from './createSimulator.js';
import { startTestReceiver } from './testReceiver.js';

const SECRET = 'validation-secret';
export const TOKEN = 'EAAG-test-token';
export const USER = '15557654321';
/** The calling test file's simulator (see {@link useValidationSimulator}). */
export let sim: Simulator;
let receiver: Awaited<ReturnType<typeof startTestReceiver>>;
/** The simulator's Graph URL for the business number, without the `/messages` path. */
export let base: string;

/**
 * Starts the simulator and its webhook receiver once for the calling test file, after `USER`'s first
 * message; stops both after its last test.
 * @example useValidationSimulator(); // then `sim` and `send(text('hi'))` in each test
 */
export function useValidationSimulator(): void {
  beforeAll(async () => {
    receiver = await startTestReceiver(SECRET);
    sim = createSimulator({
      appSecret: SECRET,
      webhookUrl: receiver.url,
      accessToken: TOKEN,
      statusDelays: { read: false },
    });
    base = `${(await sim.listen()).url}/v25.0/112233445566778`;
    await sim.userSends({ waId: USER, name: 'Dana' }, 'hello');
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });
}

/** Posts `body` to the simulator's Graph API as the bot; the status and the parsed JSON answer. */
export async function send(body: unknown, token = TOKEN, path = '/messages') {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/** An interactive reply-button message to `USER` with `n` buttons. */
export const buttons = (n: number, title = (i: number) => `Option ${i}`) => ({
  messaging_product: 'whatsapp',
  to: USER,
  type: 'interactive',
  interactive: {
    type: 'button',
    body: { text: 'Pick one' },
    action: {
      buttons: Array.from({ length: n }, (_, i) => ({
        type: 'reply',
        reply: { id: `b${i}`, title: title(i) },
      })),
    },
  },
});

/** An interactive list message to `USER`, one section per entry; `patch` edits each row. */
export const list = (
  sections: Array<{ title?: string; rows: number }>,
  patch: (row: any, i: number) => void = () => undefined,
) => {
  let n = 0;
  return {
    messaging_product: 'whatsapp',
    to: USER,
    type: 'interactive',
    interactive: {
      type: 'list',
      body: { text: 'Which?' },
      action: {
        button: 'Options',
        sections: sections.map((s) => ({
          ...(s.title ? { title: s.title } : {}),
          rows: Array.from({ length: s.rows }, () => {
            const row = { id: `r${n}`, title: `Row ${n}` };
            patch(row, n++);
            return row;
          }),
        })),
      },
    },
  };
};

/** A text message to `USER`; `extra` adds or overrides top-level fields. */
export const text = (body: unknown, extra: Record<string, unknown> = {}) => ({
  messaging_product: 'whatsapp',
  to: USER,
  type: 'text',
  text: { body },
  ...extra,
});
