import { describe, expect, it } from 'vitest';
import { parseSimulatorEnv } from './simulatorEnv.js';

describe('parseSimulatorEnv', () => {
  it('fills defaults from a minimal environment', () => {
    const result = parseSimulatorEnv({ WHATSAPP_APP_SECRET: 's' });
    expect(result).toMatchObject({
      ok: true,
      env: {
        port: 4010,
        host: '127.0.0.1',
        options: {
          appSecret: 's',
          webhookUrl: 'http://127.0.0.1:3000/webhook',
          phoneNumberIds: ['112233445566778'],
          enforceWindow: true,
          redeliver: { enabled: true, backoffMs: [250, 1000, 5000, 30000] },
          statusDelays: { sent: 0, delivered: 0, read: 0 },
        },
      },
    });
    expect(result.ok && result.env.options.enforceRates).toBeUndefined();
  });

  it('reads rates, delays and several numbers', () => {
    const result = parseSimulatorEnv({
      WHATSAPP_APP_SECRET: 's',
      SIMULATOR_PORT: '0',
      SIMULATOR_PHONE_NUMBER_IDS: '111, 222',
      SIMULATOR_RATE_PER_SECOND: '80',
      SIMULATOR_PAIR_BURST: '45',
      SIMULATOR_STATUS_DELAYS_MS: '10,20,off',
      SIMULATOR_REDELIVER: 'false',
    });
    expect(result).toMatchObject({
      ok: true,
      env: {
        port: 0,
        options: {
          phoneNumberIds: ['111', '222'],
          enforceRates: { perNumberPerSecond: 80, pairPerUser: { burst: 45, intervalMs: 6000 } },
          statusDelays: { sent: 10, delivered: 20, read: false },
          redeliver: { enabled: false },
        },
      },
    });
  });

  it('names every bad variable', () => {
    const result = parseSimulatorEnv({
      SIMULATOR_PORT: '70000',
      WEBHOOK_URL: 'nope',
      SIMULATOR_STATUS_DELAYS_MS: '1,2',
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('WHATSAPP_APP_SECRET');
      expect(result.message).toContain('SIMULATOR_PORT');
      expect(result.message).toContain('WEBHOOK_URL');
      expect(result.message).toContain('SIMULATOR_STATUS_DELAYS_MS');
    }
  });
});
