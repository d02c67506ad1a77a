/*
 * A child process for the crash test: commits to a few conversations in a loop with fsync on and
 * prints `ack <conversation> <revision> <inboxId>` once each commit (and its inbox append) resolved.
 */
import { createLowdbStore } from '../createLowdbStore.js';
import {
  makeConversation,
  makeInbox,
  makeOutbox,
  makeTranscript,
  makeUnit,
} from '../../conformance/fixtures.js';

// A short write-behind delay, so kills also land during write-backs and journal checkpoints.
const store = createLowdbStore({
  dataDir: process.argv[2]!,
  contentEncryption: false,
  fsync: true,
  writeBehindMs: 5,
});
await store.init();
const users = ['c1', 'c2', 'c3', 'c4'];

async function loop(userId: string): Promise<void> {
  for (;;) {
    const current = await store.getConversation(makeConversation(userId).id);
    const revision = (current?.revision ?? 0) + 1;
    const inboxId = `in-${userId}-${revision}-${process.pid}`;
    await store.appendInbox([makeInbox(userId, inboxId, `message ${revision}`)]);
    const result = await store.commit(
      makeUnit(
        makeConversation(userId, { revision, vars: { counter: revision, padding: 'x'.repeat(2_000) } }),
        {
          expectedRevision: current ? current.revision : null,
          outbox: [makeOutbox(userId, `out-${userId}-${revision}`, revision, `reply ${revision}`)],
          transcript: [makeTranscript(userId, `tr-${userId}-${revision}`, revision, `message ${revision}`)],
          inboxDone: [inboxId],
        },
      ),
    );
    if (!result.ok) throw new Error('unexpected conflict in a single writer');
    process.stdout.write(`ack ${userId} ${revision} ${inboxId}\n`);
  }
}

process.stdout.write('ready\n');
await Promise.all(users.map(loop));
