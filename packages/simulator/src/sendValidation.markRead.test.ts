import { describe, expect, it } from 'vitest';
import { send, sim, USER, useValidationSimulator } from './sendValidationTestKit.js';

useValidationSimulator();

describe('mark read and typing', () => {
  it('marks a user message (and the earlier ones) read, with typing', async () => {
    const { wamid } = await sim.userSends({ waId: USER }, 'second');
    const res = await send({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: wamid,
      typing_indicator: { type: 'text' },
    });
    expect(res).toEqual({ status: 200, json: { success: true } });
    const inbound = sim.conversation(USER).filter((m) => m.direction === 'user');
    expect(inbound.every((m) => m.markedRead)).toBe(true);
    expect(inbound.at(-1)?.typing).toBe(true);
    expect(sim.stats().typing).toBeGreaterThanOrEqual(1);
  });

  it('rejects an unknown message id and a wrong typing type, counted apart from sends', async () => {
    const before = sim.stats();
    expect(
      (await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.unknown' })).json.error
        .code,
    ).toBe(100);
    const { wamid } = await sim.userSends({ waId: USER }, 'third');
    const res = await send({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: wamid,
      typing_indicator: { type: 'audio' },
    });
    expect(res.json.error.code).toBe(100);
    const after = sim.stats();
    expect((after.rejectedReadReceipts['100'] ?? 0) - (before.rejectedReadReceipts['100'] ?? 0)).toBe(2);
    expect(after.rejected).toEqual(before.rejected);
  });
});
