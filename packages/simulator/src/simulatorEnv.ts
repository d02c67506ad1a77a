import { z } from 'zod';
import type { SimulatorOptions } from './createSimulator.js';

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const ms = z.coerce.number().int().nonnegative();

const envSchema = z.object({
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  WHATSAPP_APP_SECRET: z
    .string({ error: 'is required: the app secret webhooks are signed with.' })
    .min(1, 'is required: the app secret webhooks are signed with.'),
  WEBHOOK_URL: z.url().default('http://127.0.0.1:3000/webhook'),
  WHATSAPP_ACCESS_TOKEN: z.string().min(1).optional(),
  SIMULATOR_PHONE_NUMBER_IDS: z.string().default('112233445566778'),
  SIMULATOR_DISPLAY_PHONE_NUMBER: z.string().regex(/^\d+$/).default('15550001234'),
  SIMULATOR_RATE_PER_SECOND: z.coerce.number().positive().optional(),
  SIMULATOR_PAIR_BURST: z.coerce.number().int().positive().optional(),
  SIMULATOR_PAIR_INTERVAL_MS: ms.optional(),
  SIMULATOR_STATUS_DELAYS_MS: z
    .string()
    .regex(
      /^\d+,\d+,(\d+|off)$/,
      'SIMULATOR_STATUS_DELAYS_MS is "sent,delivered,read" in ms, read may be "off"',
    )
    .optional(),
  SIMULATOR_STATUS_BATCH_MS: ms.default(0),
  SIMULATOR_ENFORCE_WINDOW: flag.default(true),
  SIMULATOR_REDELIVER: flag.default(true),
  SIMULATOR_REDELIVER_BACKOFF_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/)
    .default('250,1000,5000,30000'),
});

/** The standalone simulator's settings, as the CLI reads them. */
export type SimulatorEnv = { port: number; host: string; options: SimulatorOptions };

/**
 * Reads the standalone simulator's environment: `{ ok, env }`, or `{ ok: false, message }`
 * naming each bad variable.
 * @example parseSimulatorEnv({ WHATSAPP_APP_SECRET: 's' })
 */
export function parseSimulatorEnv(
  source: Record<string, string | undefined>,
): { ok: true; env: SimulatorEnv } | { ok: false; message: string } {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    return {
      ok: false,
      message: parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`).join('\n'),
    };
  }
  const e = parsed.data;
  const [sent, delivered, read] = (e.SIMULATOR_STATUS_DELAYS_MS ?? '0,0,0').split(',');
  const rates =
    e.SIMULATOR_RATE_PER_SECOND !== undefined || e.SIMULATOR_PAIR_BURST !== undefined
      ? {
          perNumberPerSecond: e.SIMULATOR_RATE_PER_SECOND,
          pairPerUser:
            e.SIMULATOR_PAIR_BURST !== undefined
              ? { burst: e.SIMULATOR_PAIR_BURST, intervalMs: e.SIMULATOR_PAIR_INTERVAL_MS ?? 6000 }
              : (false as const),
        }
      : undefined;
  return {
    ok: true,
    env: {
      port: e.SIMULATOR_PORT,
      host: e.SIMULATOR_HOST,
      options: {
        appSecret: e.WHATSAPP_APP_SECRET,
        webhookUrl: e.WEBHOOK_URL,
        accessToken: e.WHATSAPP_ACCESS_TOKEN,
        phoneNumberIds: e.SIMULATOR_PHONE_NUMBER_IDS.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        displayPhoneNumber: e.SIMULATOR_DISPLAY_PHONE_NUMBER,
        statusDelays: {
          sent: Number(sent),
          delivered: Number(delivered),
          read: read === 'off' ? false : Number(read),
        },
        enforceRates: rates,
        statusBatching: { windowMs: e.SIMULATOR_STATUS_BATCH_MS },
        enforceWindow: e.SIMULATOR_ENFORCE_WINDOW,
        redeliver: {
          enabled: e.SIMULATOR_REDELIVER,
          backoffMs: e.SIMULATOR_REDELIVER_BACKOFF_MS.split(',').map(Number),
        },
      },
    },
  };
}
