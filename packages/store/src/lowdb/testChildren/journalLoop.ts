/*
 * A child process for the journal crash test: appends records from 8 concurrent writers (group
 * commit) with fsync on, checkpointing now and then, and prints `ack <n>` once each append resolved.
 */
import { DocumentJournal } from '../DocumentJournal.js';

const journal = new DocumentJournal<{ n: number; pad: string }>(process.argv[2]!, { fsync: true });
await journal.open();

async function writer(): Promise<void> {
  for (let i = 0; ; i += 1) {
    const n = journal.next();
    await journal.append({ n, pad: 'x'.repeat(200 + (n % 500)) });
    process.stdout.write(`ack ${n}\n`);
    if (i % 50 === 49) await journal.checkpoint(n - 100, true);
  }
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: 8 }, writer));
