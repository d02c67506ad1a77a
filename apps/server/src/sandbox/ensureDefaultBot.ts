import type { Store } from '@parley/store';
import type { FlowRepository } from '../flows/FlowRepository.js';

/**
 * The bot `npm start` answers with: bound to WHATSAPP_PHONE_NUMBER_ID (or the sandbox number)
 * and running BOT_FLOW, published from its file when it has no version yet. So setting the
 * WhatsApp variables is enough for a working bot, with no clicks.
 */
export async function ensureDefaultBot(options: {
  store: Store;
  flows: FlowRepository;
  phoneNumberId: string;
  flowId: string;
  sandbox: boolean;
  now: number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}): Promise<void> {
  const { store, flows, phoneNumberId, flowId, log } = options;
  if (!(await store.getLatestFlowVersion(flowId))) {
    try {
      await flows.publish(flowId, 'system');
      log.info({ flowId }, 'published the default bot flow');
    } catch (error) {
      log.warn(
        { flowId, err: error },
        `the default bot flow "${flowId}" could not be published; fix it in the builder`,
      );
    }
  }
  if (await store.getBotByPhoneNumberId(phoneNumberId)) return;
  await store.saveBot({
    id: options.sandbox ? 'bot_sandbox' : 'bot_default',
    name: options.sandbox ? 'Sandbox bot' : 'Default bot',
    phoneNumberId,
    flowId,
    flowVersion: 'latest',
    kind: options.sandbox ? 'sandbox' : 'production',
    health: { tokenValid: null },
    createdAt: options.now,
    updatedAt: options.now,
  });
}
