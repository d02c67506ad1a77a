import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { report, waitUntil } from './figures.js';
import { APP_SECRET, startSecurityParley, type TestParley } from './startSecurityParley.js';
import { envelope, messagesChange, postWebhook, signWebhookBody, statusItem } from './webhookBodies.js';

let parley: TestParley;
beforeAll(async () => {
  parley = await startSecurityParley();
});
afterAll(async () => parley?.stop());

describe('3. batch completeness', () => {
  it('one POST with 3 entries × 2 changes × 5 messages plus 10 statuses: 30 processed, 10 applied', async () => {
    const sim = parley.simulator;
    // Ten earlier conversations give ten bot messages whose statuses the batch then reports.
    const earlier = Array.from({ length: 10 }, (_, i) => `3163000${String(i).padStart(4, '0')}`);
    for (const waId of earlier)
      await sim.userSends({ waId, name: 'Early' }, 'hi', { phoneNumberId: parley.phoneNumberId });
    const greetings = await Promise.all(
      earlier.map(async (waId) => (await sim.waitForReplies(waId, 1, 15_000))[0]!),
    );
    const botWamids = greetings.map((m) => m.wamid);
    // The rows must know their wamid (the send finished) before a status can find them.
    expect(
      await waitUntil(async () => {
        const rows = await Promise.all(botWamids.map((w) => parley.store.findOutboxByWamid(w)));
        return rows.every((r) => r !== null);
      }, 15_000),
    ).toBe(true);

    // `played` is a status the simulator never sends by itself, so only the batch can set it.
    const statuses = botWamids.map((wamid, i) => statusItem(wamid, earlier[i]!, 'played'));
    // Six users, each with five messages spread over the changes; a conversation's messages in order.
    const users = Array.from({ length: 6 }, (_, i) => `3163100${String(i).padStart(4, '0')}`);
    const now = Math.floor(Date.now() / 1000);
    let seq = 0;
    const entries = [0, 1, 2].map((entry) =>
      [0, 1].map((change) => {
        const slot = entry * 2 + change;
        const messages = Array.from({ length: 5 }, (_, m) => {
          seq += 1;
          return {
            waId: users[(slot + m) % users.length]!,
            wamid: `wamid.batch-${seq}`,
            text: `batch message ${seq}`,
            timestamp: now + seq,
          };
        });
        return messagesChange(parley.phoneNumberId, messages, statuses.slice(slot * 2, slot * 2 + 2));
      }),
    );
    const body = envelope(entries);
    const sentWamids = Array.from({ length: 30 }, (_, i) => `wamid.batch-${i + 1}`);
    const statusCount = entries
      .flat()
      .reduce((n, c) => n + ((c.value as { statuses?: unknown[] }).statuses ?? []).length, 0);
    expect(statusCount).toBe(10);

    const status = await postWebhook(parley.url, body, signWebhookBody(body, APP_SECRET));
    expect(status).toBe(200);

    // Processed: every message appears as the user's entry in its conversation's transcript.
    const processed = async () => {
      const seen = new Set<string>();
      for (const waId of users) {
        const transcript = await parley.store.listTranscript(`${parley.phoneNumberId}:${waId}`, {
          limit: 1000,
        });
        for (const entry of transcript) {
          const text = JSON.stringify(entry);
          for (const w of sentWamids)
            if (text.includes(`batch message ${w.slice('wamid.batch-'.length)}"`)) seen.add(w);
        }
      }
      return seen;
    };
    const appliedCount = async () => {
      const rows = await Promise.all(botWamids.map((w) => parley.store.findOutboxByWamid(w)));
      return rows.filter((r) => r?.status === 'played').length;
    };
    await waitUntil(
      async () => (await processed()).size === 30 && (await appliedCount()) === 10,
      20_000,
      200,
    );
    const seen = await processed();
    const applied = await appliedCount();
    report('batch', { messagesProcessed: `${seen.size}/30`, statusesApplied: `${applied}/10` });
    expect(sentWamids.filter((w) => !seen.has(w))).toEqual([]);
    expect(applied).toBe(10);
  });
});
