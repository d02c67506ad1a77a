// Shared pieces of the inbox worker's tests: a real lowdb store per test, text rows, and the
// empty commit unit a stand-in engine returns.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { CommitUnit, InboxRecord } from '@parley/flow';
import { createLowdbStore, type Store } from '@parley/store';

export { setTimeout as sleep } from 'node:timers/promises';

/** A fresh lowdb store (no fsync) for each test of the calling `describe`; call it inside the `describe`. */
export function useLowdbStore(prefix: string): () => Store {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `parley-${prefix}-`));
    store = createLowdbStore({ dataDir: dir, contentEncryption: false, fsync: false });
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return () => store;
}

/** A pending text message `id` from `userId` to business number 1055. */
export function textInboxRow(id: string, userId: string, name: string): InboxRecord {
  return {
    id,
    conversationId: `1055:${userId}`,
    receivedAt: Date.now(),
    status: 'pending',
    attempts: 0,
    event: {
      type: 'user.message',
      key: { phoneNumberId: '1055', userId },
      contact: { waId: userId, name },
      message: { type: 'text', id, timestamp: Date.now(), text: 'hi' },
    },
  };
}

/** A commit unit that only marks the inbox row done. */
export function emptyCommit(conversationId: string, inboxId: string): CommitUnit {
  return {
    conversationId,
    conversation: null,
    expectedRevision: null,
    outbox: [],
    transcript: [],
    timersSet: [],
    timersCancelled: [],
    inboxDone: [inboxId],
  };
}
