import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inPool, report, waitUntil } from './figures.js';
import { readInboxRows } from './inboxRows.js';
import { APP_SECRET, OTHER_SECRET, startSecurityParley, type TestParley } from './startSecurityParley.js';
import { postWebhook, signWebhookBody, textBody } from './webhookBodies.js';

let parley: TestParley;
beforeAll(async () => {
  parley = await startSecurityParley();
});
afterAll(async () => parley?.stop());

/** A signature header value for a case, given the exact body bytes. */
type SignatureCase = {
  name: string;
  sign: (body: Buffer) => string | undefined;
  mutate?: (b: Buffer) => Buffer;
};

const hex = (body: Buffer, secret = APP_SECRET) => signWebhookBody(body, secret).slice('sha256='.length);

const refused: SignatureCase[] = [
  { name: 'missing header', sign: () => undefined },
  { name: 'empty header', sign: () => '' },
  { name: 'sha1= prefix with the right digest', sign: (b) => `sha1=${hex(b)}` },
  { name: 'no prefix', sign: (b) => hex(b) },
  { name: 'wrong length (63 hex)', sign: (b) => `sha256=${hex(b).slice(0, 63)}` },
  { name: 'wrong length (66 hex)', sign: (b) => `sha256=${hex(b)}00` },
  { name: 'truncated to 32 bytes worth', sign: (b) => `sha256=${hex(b).slice(0, 32)}` },
  { name: 'non-hex characters', sign: (b) => `sha256=${hex(b).slice(0, 62)}zz` },
  { name: 'base64 digest', sign: (b) => `sha256=${Buffer.from(hex(b), 'hex').toString('base64')}` },
  { name: 'all zeros', sign: () => `sha256=${'0'.repeat(64)}` },
  { name: 'another bot’s secret', sign: (b) => signWebhookBody(b, OTHER_SECRET) },
  { name: 'secret with a trailing space', sign: (b) => signWebhookBody(b, `${APP_SECRET} `) },
  {
    name: 'body changed by one byte after signing',
    sign: (b) => signWebhookBody(b, APP_SECRET),
    mutate: (b) => {
      const copy = Buffer.from(b);
      const at = copy.indexOf('"body":"') + 8;
      copy[at] = copy[at]! ^ 0x01;
      return copy;
    },
  },
  {
    name: 'signature of the body with a trailing newline',
    sign: (b) => signWebhookBody(Buffer.concat([b, Buffer.from('\n')]), APP_SECRET),
  },
  {
    name: 'two signatures in one header',
    sign: (b) => `${signWebhookBody(b, APP_SECRET)},sha256=${'0'.repeat(64)}`,
  },
];

describe('1. webhook signatures', () => {
  it('accepts only the valid signature; the inbox grows by exactly the valid count', async () => {
    const before = (await readInboxRows(parley.dataDir)).size;
    const statuses: Array<{ name: string; status: number; wamid: string }> = [];
    let n = 0;
    const next = () => {
      n += 1;
      return {
        waId: `3161000${String(n).padStart(4, '0')}`,
        wamid: `wamid.sig-${n}`,
        text: `signature case ${n}`,
      };
    };
    for (const c of refused) {
      const message = next();
      const body = Buffer.from(textBody(parley.phoneNumberId, message));
      const signature = c.sign(body);
      const sent = c.mutate ? c.mutate(body) : body;
      statuses.push({
        name: c.name,
        status: await postWebhook(parley.url, sent, signature),
        wamid: message.wamid,
      });
    }
    const valid = next();
    const validBody = Buffer.from(textBody(parley.phoneNumberId, valid));
    const validStatus = await postWebhook(parley.url, validBody, signWebhookBody(validBody, APP_SECRET));
    // Upper-case hex is the same digest: Meta sends lower case, but it is not a different signature.
    const upper = next();
    const upperBody = Buffer.from(textBody(parley.phoneNumberId, upper));
    const upperStatus = await postWebhook(parley.url, upperBody, `sha256=${hex(upperBody).toUpperCase()}`);

    const rows = await readInboxRows(parley.dataDir);
    const wrongly = statuses.filter((s) => s.status !== 401 || rows.has(s.wamid));
    report('signatures', {
      cases: refused.length + 2,
      refused401: statuses.filter((s) => s.status === 401).length,
      validStatus,
      upperHexStatus: upperStatus,
      inboxBefore: before,
      inboxAfter: rows.size,
    });
    expect(wrongly).toEqual([]);
    expect(validStatus).toBe(200);
    expect(upperStatus).toBe(200);
    expect(rows.has(valid.wamid)).toBe(true);
    expect(rows.size - before).toBe(2);
  });

  it('verifies 500/500 bodies with emoji, Arabic, CJK and \\/ escapes over their exact bytes', async () => {
    const samples = [
      'Hola 👋🏽 pizza 🍕 https://example.com/a/b',
      'مرحبا، أريد طلب بيتزا كبيرة',
      '你好，我想订一个披萨。谢谢！',
      'こんにちは 🍣 ／ 全角スラッシュ',
      '한국어 메시지 \\ backslash / slash "quotes"',
      'Zalgo z̷̢͈a̵̛͉l̸͎̍g̶̱̈o and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and \u2028 line sep',
      '👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, ZWJ',
      'RTL \u202e override עברית',
    ];
    const before = await readInboxRows(parley.dataDir);
    const messages = Array.from({ length: 500 }, (_, i) => ({
      waId: `3162${String(i % 50).padStart(7, '0')}`,
      wamid: `wamid.unicode-${i}`,
      text: `${samples[i % samples.length]} #${i}`,
      name: i % 2 ? 'Zoë 🌸' : 'محمد',
      timestamp: Math.floor(Date.now() / 1000) + i,
    }));
    const started = Date.now();
    const codes = await inPool(messages, 16, async (message) => {
      const body = textBody(parley.phoneNumberId, message);
      // The bytes carry escapes, never raw non-ASCII: what naive re-serializing verifiers break on.
      expect([...body].every((ch) => ch.charCodeAt(0) < 0x80)).toBe(true);
      expect(body.includes('\\/') || !message.text.includes('/')).toBe(true);
      return postWebhook(parley.url, body, signWebhookBody(body, APP_SECRET));
    });
    const ms = Date.now() - started;
    const verified = codes.filter((c) => c === 200).length;
    const rows = await readInboxRows(parley.dataDir);
    const textsIntact = messages.filter((m) => rows.get(m.wamid)?.event?.message?.text === m.text).length;
    report('signatures unicode', {
      verified: `${verified}/500`,
      newInboxRows: rows.size - before.size,
      textsIntact: `${textsIntact}/500`,
      ms,
    });
    expect(verified).toBe(500);
    expect(rows.size - before.size).toBe(500);
    expect(textsIntact).toBe(500);
    // They are processed too: each of the 50 users has a conversation with the bot.
    const greeted = await waitUntil(async () => {
      const found = await Promise.all(
        messages.slice(0, 50).map((m) => parley.store.getConversation(`${parley.phoneNumberId}:${m.waId}`)),
      );
      return found.every((c) => c !== null);
    }, 30_000);
    expect(greeted).toBe(true);
  });
});
