import { randomUUID } from 'node:crypto';
import { parseConversationKeyId } from '@parley/flow';
import type { EngineEvent, InboxRecord } from '@parley/flow';
import type { Store } from '@parley/store';
import type { ConversationCommands } from '../http/services.js';

const WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Operator actions become engine events queued through the durable inbox, so they run in order
 * with the user's own messages and survive a crash like everything else.
 */
export function createConversationCommands(options: {
  store: Pick<Store, 'getConversation' | 'appendInbox'>;
  clock: { now(): number };
  onQueued(): void;
}): ConversationCommands {
  const { store, clock } = options;

  async function queue(conversationId: string, build: (key: EngineEvent['key']) => EngineEvent) {
    const conversation = await store.getConversation(conversationId);
    if (!conversation) return null;
    const key = parseConversationKeyId(conversationId);
    const record: InboxRecord = {
      id: `op:${randomUUID()}`,
      conversationId,
      receivedAt: clock.now(),
      status: 'pending',
      attempts: 0,
      event: build(key),
    };
    await store.appendInbox([record]);
    options.onQueued();
    return conversation;
  }

  const simple =
    (type: 'operator.reset' | 'operator.handoff' | 'operator.release') =>
    async (conversationId: string, actor: { id: string }) => {
      const queued = await queue(conversationId, (key) => ({ type, key, operator: actor.id }));
      return queued ? ({ ok: true } as const) : ({ ok: false, code: 'not_found' } as const);
    };

  return {
    reset: simple('operator.reset'),
    handoff: simple('operator.handoff'),
    release: simple('operator.release'),
    async sendOperatorMessage(conversationId, text, actor) {
      const conversation = await store.getConversation(conversationId);
      if (!conversation) return { ok: false, code: 'not_found' };
      const last = conversation.lastUserMessageAt;
      if (last === null || clock.now() - last > WINDOW_MS) return { ok: false, code: 'window.closed' };
      await queue(conversationId, (key) => ({ type: 'operator.message', key, operator: actor.id, text }));
      return { ok: true };
    },
  };
}
