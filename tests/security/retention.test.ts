import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inPool, report, sleep, waitUntil } from './figures.js';
import { createFakeClock, startClockedParley, type ClockedParley } from './startClockedParley.js';

const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;
/** `SECURITY_SCALE=full` uses the 1,000 conversations; CI uses 200. */
const CONVERSATIONS = process.env.SECURITY_SCALE === 'full' ? 1000 : 200;

/** A bot that greets, waits one hour on a durable timer, then says a last line and ends. */
const timerFlow = {
  schemaVersion: 1,
  id: 'security-timer',
  name: 'Security timer',
  variables: [],
  nodes: [
    { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: { mode: 'any' } },
    {
      id: 'hello',
      type: 'message',
      position: { x: 0, y: 100 },
      data: { text: 'Hello {{contact.name | "there"}}, noted: {{last_message | ""}}' },
    },
    { id: 'wait', type: 'delay', position: { x: 0, y: 200 }, data: { amount: 1, unit: 'hours' } },
    { id: 'later', type: 'message', position: { x: 0, y: 300 }, data: { text: 'TIMER FIRED' } },
    { id: 'end', type: 'end', position: { x: 0, y: 400 }, data: {} },
  ],
  edges: [
    { id: 'e1', source: 'start', sourceHandle: 'next', target: 'hello' },
    { id: 'e2', source: 'hello', sourceHandle: 'next', target: 'wait' },
    { id: 'e3', source: 'wait', sourceHandle: 'next', target: 'later' },
    { id: 'e4', source: 'later', sourceHandle: 'next', target: 'end' },
  ],
};

let parley: ClockedParley;
const realNow = Date.now();
const clock = createFakeClock(realNow - 40 * DAY);
beforeAll(async () => {
  parley = await startClockedParley(
    clock,
    { BOT_FLOW: 'security-timer', WHATSAPP_APP_SECRET: 'retention-secret' },
    [timerFlow],
  );
});
afterAll(async () => parley?.stop());

/** Every file in DATA_DIR that mentions one of `needles` (raw bytes, escaped or not). */
async function mentions(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (file.includes(`${path.sep}flows${path.sep}`)) continue;
    const text = (await readFile(file)).toString('latin1');
    for (const needle of needles) {
      const at = text.indexOf(needle);
      if (at >= 0)
        hits.push(
          `${path.relative(dir, file)}: …${text.slice(Math.max(0, at - 80), at + 60).replace(/\s+/g, ' ')}…`,
        );
    }
  }
  return hits;
}

const key = (waId: string) => `${parley.phoneNumberId}:${waId}`;

describe('8. retention and erasure', () => {
  it(`purges the aged half of ${CONVERSATIONS} conversations: 0 remain, their numbers are gone, the young half intact`, async () => {
    const sim = parley.simulator;
    const aged = Array.from({ length: CONVERSATIONS / 2 }, (_, i) => `3168${String(i).padStart(7, '0')}`);
    const young = Array.from({ length: CONVERSATIONS / 2 }, (_, i) => `3169${String(i).padStart(7, '0')}`);
    const converse = async (users: string[]) => {
      await inPool(users, 8, async (waId) => {
        await sim.userSends({ waId, name: `N${waId.slice(-4)}` }, `hello from ${waId}`, {
          phoneNumberId: parley.phoneNumberId,
        });
      });
      expect(
        await waitUntil(
          async () =>
            (await Promise.all(users.map((u) => parley.store.getConversation(key(u))))).every(Boolean),
          60_000,
          200,
        ),
      ).toBe(true);
    };
    await converse(aged);
    // Their timers fire and the conversations end, 40 days ago.
    clock.advance(2 * HOUR);
    await waitUntil(
      () =>
        aged.every((u) => sim.conversation(u).some((m) => JSON.stringify(m.payload).includes('TIMER FIRED'))),
      30_000,
      200,
    );
    // Young: twelve hours ago (the erasure test below moves on from there; clocks never go back).
    clock.set(realNow - 12 * HOUR);
    await converse(young);
    await sleep(1500);

    const report1 = await parley.store.purgeOlderThan(clock.now() - 30 * DAY);
    await sleep(500);
    const agedLeft = (await Promise.all(aged.map((u) => parley.store.getConversation(key(u))))).filter(
      Boolean,
    ).length;
    const youngLeft = (await Promise.all(young.map((u) => parley.store.getConversation(key(u))))).filter(
      Boolean,
    ).length;
    const youngTranscripts = (
      await Promise.all(young.slice(0, 20).map((u) => parley.store.listTranscript(key(u))))
    ).filter((t) => t.length > 0).length;
    const traces = await mentions(parley.dataDir, aged);
    report('retention', {
      conversations: CONVERSATIONS,
      purge: report1,
      agedRemaining: agedLeft,
      youngRemaining: `${youngLeft}/${young.length}`,
      youngTranscriptsIntact: `${youngTranscripts}/20`,
      agedNumbersInDataDir: traces.length,
      sample: traces.slice(0, 3),
    });
    expect(agedLeft).toBe(0);
    expect(youngLeft).toBe(young.length);
    expect(youngTranscripts).toBe(20);
    expect(traces).toEqual([]);
  });
});

describe('8. erasure', () => {
  // A server of its own: the retention test's hundreds of due timers must not share its clock.
  beforeAll(async () => {
    await parley?.stop();
    clock.set(Date.now() - 10 * HOUR);
    parley = await startClockedParley(
      clock,
      { BOT_FLOW: 'security-timer', WHATSAPP_APP_SECRET: 'erasure-secret' },
      [timerFlow],
    );
  });

  it('exports then erases a contact with 3 conversations (sessions), a pending timer and outbox rows: 0 traces, the timer never fires', async () => {
    const sim = parley.simulator;
    const waId = '31699990001';
    const user = { waId, name: 'Erase Me' };
    // The clock starts ten hours back: the timers the test fires stay in the past of real time, so
    // the user's real message timestamps never look older than the conversation they continue.
    const botCount = () => sim.conversation(waId).filter((m) => m.direction === 'bot').length;
    for (let round = 0; round < 3; round++) {
      await sim.userSends(user, `round ${round} secret-erase-text`, { phoneNumberId: parley.phoneNumberId });
      expect(await waitUntil(() => botCount() >= round * 2 + 1, 15_000)).toBe(true);
      if (round < 2) {
        // The timer fires on the fake clock; the conversation ends with its last line.
        clock.advance(2 * HOUR);
        expect(await waitUntil(() => botCount() >= round * 2 + 2, 15_000)).toBe(true);
      }
    }
    // Let the simulator's delivered/read statuses arrive first: what erase must also remove.
    await sleep(3000);
    const exported = await parley.store.exportContact(key(waId));
    const counts = {
      conversations: exported?.conversations.length ?? 0,
      transcripts: exported?.transcripts.length ?? 0,
      outbox: exported?.outbox.length ?? 0,
      timers: exported?.timers.length ?? 0,
    };
    const exportedText = JSON.stringify(exported);
    // A contact is one conversation key: its three conversations (sessions) live in one record and its transcript.
    expect(counts.conversations).toBeGreaterThanOrEqual(1);
    for (const round of [0, 1, 2]) expect(exportedText).toContain(`round ${round} secret-erase-text`);
    expect(counts.timers).toBe(1);
    expect(counts.outbox).toBeGreaterThanOrEqual(5);
    expect(exportedText).toContain('round 2 secret-erase-text');

    const erased = await parley.store.eraseContact(key(waId));
    const botMessagesBefore = sim.conversation(waId).filter((m) => m.direction === 'bot').length;
    clock.advance(3 * HOUR);
    await sleep(3000);
    const botMessagesAfter = sim.conversation(waId).filter((m) => m.direction === 'bot').length;
    const after = await parley.store.exportContact(key(waId));
    const traces = await mentions(parley.dataDir, [waId, 'secret-erase-text', 'Erase Me']);
    report('erasure', {
      exported: counts,
      erased,
      exportAfter: after === null ? 'null' : 'present',
      timerFiredAfterErase: botMessagesAfter - botMessagesBefore,
      tracesInDataDir: traces,
    });
    expect(erased.erased).toBe(true);
    expect(after).toBeNull();
    expect(botMessagesAfter).toBe(botMessagesBefore);
    expect(traces).toEqual([]);
  });
});
