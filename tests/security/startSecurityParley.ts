import { startTestParley, type TestParley } from '../../apps/server/test/startTestParley.js';

/** The app secret the security battery's in-process servers verify webhooks with. */
export const APP_SECRET = 'security-battery-app-secret';
/** Another bot's secret: a signature made with it must never be accepted. */
export const OTHER_SECRET = 'another-bots-app-secret';

/**
 * A real Parley (sandbox, lowdb in a fresh DATA_DIR, 127.0.0.1, random port) whose webhook
 * verifies with {@link APP_SECRET}; the welcome flow answers every new user.
 */
export function startSecurityParley(env: Record<string, string> = {}): Promise<TestParley> {
  return startTestParley({ BOT_FLOW: 'welcome', WHATSAPP_APP_SECRET: APP_SECRET, ...env });
}

export type { TestParley };
