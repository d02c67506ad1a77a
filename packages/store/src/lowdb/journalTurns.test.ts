import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocumentJournal } from './DocumentJournal.js';
import { InboxJournal } from './InboxJournal.js';

/**
 * How many turns of a busy event loop an append waits for. Each turn here ends with an immediate
 * that holds the loop for `holdMs` (the thread's write finishes meanwhile), and the count is the
 * immediates run before the append resolved. The journal waits one turn to gather a batch and
 * then posts it: resolved in the next turn's I/O, after 1 immediate. Posting one turn later
 * (the file thread's own gathering on top of the journal's) cannot resolve before 2.
 */
async function turnsWaited(append: () => Promise<void>, holdMs = 25): Promise<number> {
  let turns = 0;
  let stop = false;
  const busyTurn = () => {
    if (stop) return;
    turns += 1;
    const until = performance.now() + holdMs;
    while (performance.now() < until) {
      // The rest of a busy turn's work.
    }
    setImmediate(busyTurn);
  };
  // Asked for first, so the journal's own wait for the turn ends before the first busy hold.
  const appended = append();
  setImmediate(busyTurn);
  await appended;
  stop = true;
  return turns;
}

describe('journal appends under a busy event loop', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-turns-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // The least of a few tries: a thread slower than the hold once (a loaded machine) adds a turn
  // to that try only; the late post adds one to every try.
  const least = async (tries: number, one: () => Promise<number>) => {
    const counts: number[] = [];
    for (let i = 0; i < tries; i += 1) counts.push(await one());
    return Math.min(...counts);
  };

  it('a commit is written in the turn after it was asked for, not two turns later', async () => {
    const journal = new DocumentJournal<{ n: number }>(join(dir, 'journal'), { fsync: false });
    await journal.open();
    const turns = await least(5, () => turnsWaited(() => journal.append({ n: journal.next() })));
    await journal.close();
    expect(turns).toBe(1);
  });

  it('a webhook acknowledgement waits one turn, not two', async () => {
    const journal = new InboxJournal(join(dir, 'inbox.ndjson'), { fsync: false });
    const turns = await least(5, () => turnsWaited(() => journal.append([{ t: 'done', h: 'h', at: 1 }])));
    await journal.close();
    expect(turns).toBe(1);
  });
});
