import { signWebhookBody, toMetaJson } from '@parley/simulator';

/** The WhatsApp Business Account id every test envelope carries. */
export const WABA_ID = '210987654321098';

/** One inbound text message as Meta puts it in `value.messages`. */
export interface TextMessageSpec {
  waId: string;
  wamid: string;
  text: string;
  name?: string;
  /** Epoch seconds. @default now */
  timestamp?: number;
}

/** A `changes[]` item with text messages (and optional statuses) for one business number. */
export function messagesChange(
  phoneNumberId: string,
  messages: TextMessageSpec[],
  statuses: Array<Record<string, unknown>> = [],
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const value: Record<string, unknown> = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550001234', phone_number_id: phoneNumberId },
  };
  if (messages.length > 0) {
    value.contacts = messages.map((m) => ({ profile: { name: m.name ?? 'Tester' }, wa_id: m.waId }));
    value.messages = messages.map((m) => ({
      from: m.waId,
      id: m.wamid,
      timestamp: String(m.timestamp ?? now),
      type: 'text',
      text: { body: m.text },
    }));
  }
  if (statuses.length > 0) value.statuses = statuses;
  return { field: 'messages', value };
}

/** A delivery status item for a message the business sent. */
export function statusItem(wamid: string, recipient: string, status: string): Record<string, unknown> {
  return {
    id: wamid,
    status,
    timestamp: String(Math.floor(Date.now() / 1000)),
    recipient_id: recipient,
  };
}

/** The whole envelope, Meta-escaped (`\/`, `\uXXXX`), as the exact bytes to sign and send. */
export function envelope(entries: Array<Array<Record<string, unknown>>>): string {
  return toMetaJson({
    object: 'whatsapp_business_account',
    entry: entries.map((changes) => ({ id: WABA_ID, changes })),
  });
}

/** One text message from one user in one envelope. */
export function textBody(phoneNumberId: string, message: TextMessageSpec): string {
  return envelope([[messagesChange(phoneNumberId, [message])]]);
}

/** POSTs bytes to `/webhook` with a JSON content type and the given signature header (if any). */
export async function postWebhook(
  baseUrl: string,
  body: string | Buffer,
  signature: string | undefined,
  headers: Record<string, string> = {},
): Promise<number> {
  const response = await fetch(`${baseUrl}/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }),
      ...headers,
    },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  await response.arrayBuffer();
  return response.status;
}

export { signWebhookBody, toMetaJson };
