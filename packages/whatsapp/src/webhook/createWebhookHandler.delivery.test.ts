import { describe, expect, it } from 'vitest';
import { createWebhookHandler, WebhookConfigError } from './createWebhookHandler.js';
import type { MessageStatusEvent } from './parseWebhook.js';
import { memoryInbox, sample, useWebhookServer } from './webhookHandlerTestKit.js';

const start = useWebhookServer();

describe('createWebhookHandler over real HTTP', () => {
  it('refuses to start without an app secret', () => {
    expect(() => createWebhookHandler({ appSecrets: [''], verifyToken: 'x', inbox: memoryInbox() })).toThrow(
      WebhookConfigError,
    );
  });

  it('answers the GET handshake with the challenge as plain text, 403 otherwise', async () => {
    const { url } = await start();
    const ok = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=8731`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe('8731');
    const bad = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=8731`);
    expect(bad.status).toBe(403);
    expect(await bad.text()).not.toContain('8731');
  });

  it('stores a signed sample, answers 200, then reports the new ids', async () => {
    const { post, inbox, accepted, forwarded } = await start();
    const body = sample('batch_two_users_two_messages.json');
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(inbox.rows.map((r) => [r.id.slice(0, 11), r.conversationId, r.receivedAt, r.status])).toEqual([
      ['wamid.HBgMN', '112233445566778:447700900123', 42, 'pending'],
      ['wamid.HBgLM', '112233445566778:15557654321', 42, 'pending'],
    ]);
    expect(accepted).toEqual([inbox.rows.map((r) => r.id)]);
    expect(forwarded).toEqual([body]);
  });

  it('duplicate delivery: 200 again, nothing new stored', async () => {
    const { post, inbox, accepted } = await start();
    const body = sample('text_message.json');
    expect((await post(body)).status).toBe(200);
    expect((await post(body)).status).toBe(200);
    expect(inbox.rows).toHaveLength(1);
    expect(accepted).toEqual([[inbox.rows[0]?.id], []]);
  });

  it('stores every status of a batch, each once', async () => {
    const { post, inbox } = await start();
    await post(sample('status_batch_delivered_read_failed.json'));
    expect(inbox.rows.map((r) => r.event.type)).toEqual([
      'message.status',
      'message.status',
      'message.status',
    ]);
  });

  describe('with a status target', () => {
    /** Applies statuses once its gate opens (or fails, once), recording what it was given. */
    function statusTarget() {
      let open: () => void = () => undefined;
      const target = {
        applied: [] as string[],
        failNext: false,
        gate: Promise.resolve(),
        hold() {
          this.gate = new Promise<void>((resolve) => (open = resolve));
        },
        release: () => open(),
        async applyStatuses(events: MessageStatusEvent[]) {
          await this.gate;
          if (this.failNext) {
            this.failNext = false;
            throw new Error('database unreachable');
          }
          this.applied.push(...events.map((event) => `${event.wamid.slice(-6)}:${event.status}`));
        },
      };
      return target;
    }

    it('applies sent/delivered/read before the 200; a failed one goes to the inbox', async () => {
      const statuses = statusTarget();
      const { post, inbox, accepted } = await start({ statuses });
      statuses.hold();
      let answered = false;
      const response = post(sample('status_batch_delivered_read_failed.json')).then((r) => {
        answered = true;
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The answer waits for the statuses: a 200 promises Meta they are applied.
      expect(answered).toBe(false);
      statuses.release();
      expect((await response).status).toBe(200);
      expect(statuses.applied.map((s) => s.split(':')[1])).toEqual(['delivered', 'read']);
      expect(inbox.rows.map((r) => r.event.type === 'message.status' && r.event.status)).toEqual(['failed']);
      expect(accepted).toEqual([[inbox.rows[0]?.id]]);
    });

    it('queues the statuses in the inbox when applying them fails; 500 only when that fails too', async () => {
      const statuses = statusTarget();
      const { post, inbox, accepted } = await start({ statuses });
      const body = sample('status_batch_delivered_read_failed.json');
      statuses.failNext = true;
      expect((await post(body)).status).toBe(200);
      expect(statuses.applied).toEqual([]);
      const queued = inbox.rows.map((r) => r.event.type === 'message.status' && r.event.status);
      expect(queued.sort()).toEqual(['delivered', 'failed', 'read']);
      expect(accepted[0]).toHaveLength(3);
      // Both ways closed: not acknowledged, so Meta redelivers.
      statuses.failNext = true;
      inbox.failNext = true;
      const other = Buffer.from(body.toString('utf8').replaceAll('wamid.HBg', 'wamid.XBg'));
      expect((await post(other)).status).toBe(500);
    });

    it('messages still go to the inbox', async () => {
      const statuses = statusTarget();
      const { post, inbox } = await start({ statuses });
      expect((await post(sample('text_message.json'))).status).toBe(200);
      expect(inbox.rows.map((r) => r.event.type)).toEqual(['user.message']);
      expect(statuses.applied).toEqual([]);
    });
  });

  it('500 (so Meta retries) when the inbox cannot store, and no onAccepted', async () => {
    const { post, inbox, accepted } = await start();
    inbox.failNext = true;
    expect((await post(sample('text_message.json'))).status).toBe(500);
    expect(accepted).toEqual([]);
    expect((await post(sample('text_message.json'))).status).toBe(200);
    expect(inbox.rows).toHaveLength(1);
  });
});
