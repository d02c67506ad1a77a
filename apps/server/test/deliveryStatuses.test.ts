import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  envelope,
  messagesChange,
  postWebhook,
  signWebhookBody,
  statusItem,
} from '../../../tests/security/webhookBodies.js';
import { callApi, eventually, makeDataDir, startKitParley, type KitParley } from './serverTestKit.js';

const APP_SECRET = 'statuses-app-secret';

/** An outbox row as the view shows it: `status` moves pending → sending → sent → delivered → read. */
interface OutboxRow {
  status: string;
  wamid?: string;
}

describe('status webhooks reach the conversation view', () => {
  let parley: KitParley;
  let dataDir: string;
  let phoneNumberId: string;

  beforeAll(async () => {
    const dirs = await makeDataDir();
    dataDir = dirs.dataDir;
    parley = await startKitParley({
      ...dirs,
      env: { BOT_FLOW: 'welcome', LOG_LEVEL: 'warn', WHATSAPP_APP_SECRET: APP_SECRET },
    });
    const bots = await callApi(parley.url, 'GET', '/api/bots');
    phoneNumberId = bots.json.bots.find((b: { kind: string }) => b.kind === 'sandbox').phoneNumberId;
  });
  afterAll(async () => {
    await parley?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Posts one signed status webhook for the default user, as Meta would; returns the HTTP status. */
  const post = (wamid: string, status: string, waId = '31650000001') => {
    const body = envelope([[messagesChange(phoneNumberId, [], [statusItem(wamid, waId, status)])]]);
    return postWebhook(parley.url, body, signWebhookBody(body, APP_SECRET));
  };

  it('shows outbox rows as sent, then delivered, then read, as the phone reports them', async () => {
    const waId = '31650000001';
    const id = `${phoneNumberId}:${waId}`;
    await parley.simulator.userSends({ waId, name: 'Ama' }, 'hello', { phoneNumberId });
    await parley.simulator.waitForReplies(waId, 1, 10_000);
    await parley.simulator.userSends(
      { waId, name: 'Ama' },
      { type: 'button_reply', title: 'Opening hours' },
      { phoneNumberId },
    );
    await parley.simulator.waitForReplies(waId, 2, 10_000);
    const outbox = () =>
      callApi(parley.url, 'GET', `/api/conversations/${encodeURIComponent(id)}`).then(
        (r) => r.json.outbox as OutboxRow[],
      );
    // The sandbox phone reports delivered after ~250 ms and read after ~900 ms more.
    const seen = new Set<string>();
    let last: OutboxRow[] = [];
    const rows = await eventually(
      async () => {
        const current = await outbox();
        last = current;
        for (const row of current) seen.add(row.status);
        return current.length === 3 && current.every((r) => r.status === 'read') ? current : undefined;
      },
      10_000,
      'every outbox row read',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the view shows ${JSON.stringify(last.map((r) => r.status))}`);
    });
    expect(rows.every((r) => r.wamid?.startsWith('wamid.'))).toBe(true);
    // The view showed the ticks on the way (the phone reports delivered ~650 ms before read).
    expect(seen.has('delivered')).toBe(true);
    // Each row's wamid is the one the phone shows.
    const phone = parley.simulator.conversation(waId).filter((m) => m.direction === 'bot');
    expect(rows.map((r) => r.wamid)).toEqual(phone.map((m) => m.wamid));
  }, 30_000);

  it('keeps "read" when a late "delivered" arrives, and ignores statuses for unknown messages', async () => {
    const waId = '31650000001';
    const id = `${phoneNumberId}:${waId}`;
    const [first] = parley.simulator.conversation(waId).filter((m) => m.direction === 'bot');
    expect(await post(first!.wamid, 'delivered')).toBe(200);
    expect(await post('wamid.never-sent-by-parley', 'read')).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const view = await callApi(parley.url, 'GET', `/api/conversations/${encodeURIComponent(id)}`);
    const rows = view.json.outbox as OutboxRow[];
    expect(rows.map((r) => r.status)).toEqual(['read', 'read', 'read']);
  });

  it('applies a status before answering 200; a redelivered one changes nothing and is not recorded twice', async () => {
    const waId = '31650000002';
    const id = `${phoneNumberId}:${waId}`;
    await parley.simulator.userSends({ waId, name: 'Kofi' }, 'hello', { phoneNumberId });
    await parley.simulator.waitForReplies(waId, 1, 10_000);
    const view = async () =>
      (await callApi(parley.url, 'GET', `/api/conversations/${encodeURIComponent(id)}`)).json;
    const [row] = await eventually(
      async () => {
        const rows = (await view()).outbox as Array<OutboxRow & { id: string }>;
        return rows.length === 1 && rows[0]!.status === 'read' ? rows : undefined;
      },
      10_000,
      'the reply read',
    );
    const statusLines = async () =>
      ((await view()).transcript as Array<{ code?: string; outboxId?: string; status?: string }>)
        .filter((entry) => entry.status !== undefined && entry.outboxId === row!.id)
        .map((entry) => `${entry.code} ${entry.status}`);
    // `sent` is said by the send's answer (in its update); its webhook then adds nothing.
    expect(await statusLines()).toEqual([
      'outbox.sent sent',
      'outbox.status delivered',
      'outbox.status read',
    ]);
    // `played`, which the simulator never sends: in the view as soon as the webhook is answered.
    expect(await post(row!.wamid!, 'played', waId)).toBe(200);
    expect(((await view()).outbox as OutboxRow[])[0]!.status).toBe('played');
    // Meta redelivers a webhook whose 200 it did not get.
    expect(await post(row!.wamid!, 'played', waId)).toBe(200);
    expect(await statusLines()).toEqual([
      'outbox.sent sent',
      'outbox.status delivered',
      'outbox.status read',
      'outbox.status played',
    ]);
  });
});
