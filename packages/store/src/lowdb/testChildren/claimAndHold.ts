/*
 * A child process for the restart test: on the store in argv[2] (never closed: the test kills it)
 * consumes an inbox message with a commit that queues a reply, claims that reply like the
 * dispatcher does right before sending it, prints `claimed <id> <leaseUntil>` and waits.
 */
import { createLowdbStore } from '../createLowdbStore.js';
import { makeConversation, makeInbox, makeOutbox, makeUnit } from '../../conformance/fixtures.js';

const store = createLowdbStore({ dataDir: process.argv[2]!, contentEncryption: false, fsync: true });
await store.init();
await store.appendInbox([makeInbox('k1', 'in-k1', 'hello')]);
const [inbox] = await store.claimInbox('worker', 2_000, 62_000, 10);
const result = await store.commit(
  makeUnit(makeConversation('k1'), {
    outbox: [makeOutbox('k1', 'out-k1', 1, 'reply')],
    inboxDone: [inbox!.id],
  }),
);
if (!result.ok) throw new Error('unexpected conflict');
const [claimed] = await store.claimOutbox('dispatcher', 2_000, 32_000, 10);
process.stdout.write(`claimed ${claimed?.id} 32000\n`);
setInterval(() => undefined, 60_000);
