import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversationId, makeInbox } from '../conformance/fixtures.js';
import { createLowdbStore } from './createLowdbStore.js';
import { spawnChild, waitForLine } from './testChildren/spawnChild.js';

const KILLS = Number(process.env.CRASH_TEST_KILLS ?? 22);

async function documentsParse(dir: string): Promise<number> {
  let count = 0;
  const entries = await readdir(join(dir, 'conversations'), { withFileTypes: true, recursive: true }).catch(
    () => [],
  );
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    expect(entry.name.endsWith('.json') || entry.name.endsWith('.tmp')).toBe(true);
    if (entry.name.endsWith('.json')) {
      JSON.parse(await readFile(join(entry.parentPath, entry.name), 'utf8'));
      count += 1;
    }
  }
  return count;
}

describe('lowdb store crash safety', () => {
  it(
    `keeps every acknowledged commit across ${KILLS} kill -9 at random moments`,
    { timeout: 30_000 + KILLS * 8_000 },
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'parley-crash-'));
      const acked = new Map<string, number>();
      const ackedInbox: string[] = [];
      try {
        for (let round = 0; round < KILLS; round += 1) {
          const child = spawnChild('commitLoop', [dataDir]);
          let buffer = '';
          child.stdout!.on('data', (chunk: Buffer) => {
            buffer += chunk.toString();
            const lines = buffer.split('\n');
            buffer = lines.pop()!;
            for (const line of lines) {
              const match = /^ack (\S+) (\d+) (\S+)$/.exec(line);
              if (!match) continue;
              acked.set(match[1]!, Math.max(acked.get(match[1]!) ?? 0, Number(match[2])));
              ackedInbox.push(match[3]!);
            }
          });
          await waitForLine(child, /^ack /);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 120));
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;

          // Acknowledged commits are in the journal, or already written back to their documents.
          const journal = await readdir(join(dataDir, 'journal')).catch(() => [] as string[]);
          expect((await documentsParse(dataDir)) + journal.length).toBeGreaterThan(0);
          const store = createLowdbStore({ dataDir, contentEncryption: false, fsync: true });
          await store.init();
          for (const [userId, revision] of acked) {
            const conversation = await store.getConversation(conversationId(userId));
            expect(conversation?.revision ?? 0).toBeGreaterThanOrEqual(revision);
            expect((await store.getOutbox(`out-${userId}-${revision}`))?.seq).toBe(revision);
          }
          // Every acknowledged inbound message is known: none would be processed twice.
          const again = await store.appendInbox(
            ackedInbox.slice(-50).map((id) => makeInbox('c1', id, 'again')),
          );
          expect(again).toEqual([]);
          await store.close();
        }
        expect([...acked.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(KILLS);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );
});
