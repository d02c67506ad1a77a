import { z } from 'zod';
import { defineNode } from '../defineNode.js';

const UNIT_MS = { seconds: 1_000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
/** Longest wait: a conversation idle longer than this has long since expired. */
export const MAX_DELAY_MS = 30 * UNIT_MS.days;
const SERVICE_WINDOW_MS = 24 * UNIT_MS.hours;

const config = z.object({
  amount: z
    .number()
    .int({ error: 'Use a whole number' })
    .min(1, { error: 'Wait at least 1' })
    .default(5)
    .meta({ title: 'Wait' }),
  unit: z.enum(['seconds', 'minutes', 'hours', 'days']).default('seconds').meta({ title: 'Unit' }),
  typing: z.boolean().default(false).meta({ title: 'Show "typing…" first' }),
});

/** How long a delay config waits, in milliseconds. */
export function delayMs(settings: { amount: number; unit: keyof typeof UNIT_MS }): number {
  return settings.amount * UNIT_MS[settings.unit];
}

/** Pauses the conversation on a durable timer (survives restarts), optionally showing "typing…". */
export const delay = defineNode({
  type: 'delay',
  title: 'Delay',
  category: 'Flow',
  icon: 'clock',
  description: 'Waits a number of seconds, minutes, hours or days before going on.',
  config,
  ports: [{ id: 'next', label: 'Next' }] as const,
  summary: (settings) =>
    `${settings.amount} ${settings.amount === 1 ? settings.unit.slice(0, -1) : settings.unit}${settings.typing ? ' (typing…)' : ''}`,
  waitsForTimer: () => true,
  check(settings) {
    const ms = delayMs(settings);
    if (ms > MAX_DELAY_MS) return [{ path: ['amount'], message: 'A delay can be at most 30 days' }];
    if (ms > SERVICE_WINDOW_MS) {
      return [
        {
          path: ['amount'],
          message:
            'After 24 hours without a message from the user, WhatsApp only lets the bot send approved templates',
          severity: 'warning' as const,
        },
      ];
    }
    return [];
  },
  run: ({ config: settings }) => ({
    ...(settings.typing ? { typing: true } : {}),
    next: { wait: 'timer', ms: Math.min(delayMs(settings), MAX_DELAY_MS), port: 'next' },
  }),
});
