/**
 * WhatsApp Cloud API limits, in one table. The linter, the node schemas, the simulator and the
 * Graph client all read these numbers, so a limit changes in exactly one place.
 * Source: ../shared/cloud-api/PROTOCOL.md §6 (Meta docs, 2026-09).
 */
export const WHATSAPP_LIMITS = {
  textBody: 4096,
  mediaCaption: 1024,
  interactiveBody: 1024,
  /** Meta's list page says 4096; whatsapp-api-js enforces 1024. We follow the safe one. */
  listBody: 1024,
  headerText: 60,
  footerText: 60,
  replyButtonsMax: 3,
  replyButtonTitle: 20,
  replyButtonId: 256,
  listButtonLabel: 20,
  listSectionsMax: 10,
  /** Total rows across all sections (Meta's rule; some SDKs wrongly allow 10 per section). */
  listRowsMax: 10,
  listSectionTitle: 24,
  listRowId: 200,
  listRowTitle: 24,
  listRowDescription: 72,
  ctaDisplayText: 20,
  callbackData: 512,
  templateParam: 1024,
  templateHeaderParam: 60,
  contactsMax: 257,
} as const;

export type WhatsAppLimits = typeof WHATSAPP_LIMITS;
