import { describe, expect, it } from 'vitest';
import type { CommitUnit, ConversationRecord } from '@parley/flow';
import { createMemoryEngineStore } from './createMemoryEngineStore.js';

const conversation = (revision: number): ConversationRecord => ({
  id: '1:u',
  phoneNumberId: '1',
  userId: 'u',
  botId: 'b',
  flowId: 'f',
  flowVersion: 1,
  flowHash: 'h',
  status: 'waiting',
  nodeId: 'n',
  snapshot: null,
  vars: { a: 1 },
  startedAt: 0,
  updatedAt: 0,
  lastUserMessageAt: null,
  revision,
});
const unit = (
  expectedRevision: number | null,
  revision: number,
  extra: Partial<CommitUnit> = {},
): CommitUnit => ({
  conversationId: '1:u',
  conversation: conversation(revision),
  expectedRevision,
  outbox: [],
  transcript: [],
  timersSet: [],
  timersCancelled: [],
  inboxDone: [],
  ...extra,
});

describe('createMemoryEngineStore', () => {
  it('applies a commit unit atomically and refuses a stale revision', async () => {
    const store = createMemoryEngineStore();
    expect(
      await store.commit(
        unit(null, 0, {
          timersSet: [{ id: 't1', conversationId: '1:u', dueAt: 10, purpose: 'delay', createdAt: 0 }],
        }),
      ),
    ).toEqual({ ok: true });
    expect(await store.commit(unit(null, 0))).toEqual({ ok: false, reason: 'conflict' });
    expect(await store.commit(unit(5, 6, { timersCancelled: ['t1'] }))).toEqual({
      ok: false,
      reason: 'conflict',
    });
    expect(store.listTimers()).toHaveLength(1);
    expect(await store.commit(unit(0, 1, { timersCancelled: ['t1'] }))).toEqual({ ok: true });
    expect((await store.getConversation('1:u'))?.revision).toBe(1);
    expect(store.listTimers()).toEqual([]);
  });

  it('returns copies, so a caller cannot change what is stored', async () => {
    const store = createMemoryEngineStore();
    await store.commit(unit(null, 0));
    const read = await store.getConversation('1:u');
    read!.vars.a = 2;
    expect((await store.getConversation('1:u'))?.vars).toEqual({ a: 1 });
  });

  it('hands out due timers once, earliest first', async () => {
    const store = createMemoryEngineStore();
    const timer = (id: string, dueAt: number) => ({
      id,
      conversationId: '1:u',
      dueAt,
      purpose: 'delay' as const,
      createdAt: 0,
    });
    await store.commit(
      unit(null, 0, { timersSet: [timer('late', 20), timer('early', 10), timer('later', 99)] }),
    );
    expect(store.nextTimerDueAt()).toBe(10);
    expect(store.claimDueTimers(20).map((t) => t.id)).toEqual(['early', 'late']);
    expect(store.claimDueTimers(20)).toEqual([]);
    expect(store.nextTimerDueAt()).toBe(99);
  });

  it('numbers published versions and keeps an unchanged hash as the latest', async () => {
    const store = createMemoryEngineStore();
    const first = await store.publishFlowVersion({ flowId: 'f', hash: 'a', document: {}, publishedAt: 0 });
    const same = await store.publishFlowVersion({ flowId: 'f', hash: 'a', document: {}, publishedAt: 1 });
    const second = await store.publishFlowVersion({ flowId: 'f', hash: 'b', document: {}, publishedAt: 2 });
    expect([first.version, same.version, second.version]).toEqual([1, 1, 2]);
    expect((await store.getLatestFlowVersion('f'))?.hash).toBe('b');
    store.deleteFlowVersion('f', 1);
    expect(await store.getFlowVersion('f', 1)).toBeNull();
  });
});
