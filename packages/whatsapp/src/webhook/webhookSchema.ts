import { z } from 'zod';

/**
 * Zod schemas of Meta's webhook envelope (PROTOCOL.md §3). Every object is loose: Meta adds
 * fields often, and an unknown field must never turn a signed delivery into an error. Items are
 * parsed one by one (see parseWebhook), so one odd message never hides its neighbours.
 */

/** Meta writes numbers as strings in some places and numbers in others; accept both. */
const numeric = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

/** Unix seconds (Meta sends a string); bounded so that milliseconds stay a safe integer. */
const unixSeconds = numeric.refine((n) => Number.isFinite(n) && n >= 0 && n < 1e11, 'not a Unix timestamp');

export const webhookErrorSchema = z.looseObject({
  code: numeric,
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
  href: z.string().optional(),
});
export type WebhookError = z.infer<typeof webhookErrorSchema>;

export const webhookContactSchema = z.looseObject({
  profile: z.looseObject({ name: z.string().optional(), username: z.string().optional() }).optional(),
  wa_id: z.string().optional(),
  user_id: z.string().optional(),
  parent_user_id: z.string().optional(),
  identity_key_hash: z.string().optional(),
});
export type WebhookContact = z.infer<typeof webhookContactSchema>;

const mediaSchema = z.looseObject({
  id: z.string(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
  url: z.string().optional(),
});

/** Fields every inbound message carries, whatever its type. */
export const webhookMessageBaseSchema = z.looseObject({
  id: z.string().min(1),
  from: z.string().optional(),
  from_user_id: z.string().optional(),
  from_parent_user_id: z.string().optional(),
  timestamp: unixSeconds,
  type: z.string(),
  group_id: z.string().optional(),
  context: z
    .looseObject({
      from: z.string().optional(),
      id: z.string().optional(),
      forwarded: z.boolean().optional(),
      frequently_forwarded: z.boolean().optional(),
      referred_product: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  referral: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(webhookErrorSchema).optional(),
});
export type WebhookMessageBase = z.infer<typeof webhookMessageBaseSchema>;

/** The type-specific part of each message kind Parley understands, keyed by `type`. */
export const webhookMessagePartSchemas = {
  text: z.looseObject({ text: z.looseObject({ body: z.string() }) }),
  interactive: z.looseObject({
    interactive: z.looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z
        .looseObject({ id: z.string(), title: z.string(), description: z.string().optional() })
        .optional(),
      nfm_reply: z
        .looseObject({ name: z.string().optional(), body: z.string().optional(), response_json: z.string() })
        .optional(),
    }),
  }),
  button: z.looseObject({ button: z.looseObject({ payload: z.string().optional(), text: z.string() }) }),
  image: z.looseObject({ image: mediaSchema }),
  audio: z.looseObject({ audio: mediaSchema }),
  video: z.looseObject({ video: mediaSchema }),
  document: z.looseObject({ document: mediaSchema }),
  sticker: z.looseObject({ sticker: mediaSchema }),
  location: z.looseObject({
    location: z.looseObject({
      latitude: numeric,
      longitude: numeric,
      name: z.string().optional(),
      address: z.string().optional(),
      url: z.string().optional(),
    }),
  }),
  contacts: z.looseObject({ contacts: z.array(z.record(z.string(), z.unknown())) }),
  reaction: z.looseObject({
    reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }),
  }),
  order: z.looseObject({
    order: z.looseObject({
      catalog_id: z.string().optional(),
      text: z.string().optional(),
      product_items: z.array(
        z.looseObject({
          product_retailer_id: z.string(),
          quantity: numeric,
          item_price: numeric.optional(),
          currency: z.string().optional(),
        }),
      ),
    }),
  }),
  system: z.looseObject({
    system: z.looseObject({
      body: z.string().optional(),
      type: z.string().optional(),
      wa_id: z.string().optional(),
      user_id: z.string().optional(),
      customer: z.string().optional(),
      identity: z.string().optional(),
    }),
  }),
  unsupported: z.looseObject({ unsupported: z.looseObject({ type: z.string().optional() }).optional() }),
  /** Older docs and SDKs name unsupported messages `unknown`. */
  unknown: z.looseObject({}),
} as const;
export type SupportedWebhookMessageType = keyof typeof webhookMessagePartSchemas;

export const webhookStatusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  parent_recipient_user_id: z.string().optional(),
  recipient_type: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  conversation: z.record(z.string(), z.unknown()).optional(),
  pricing: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(webhookErrorSchema).optional(),
});
export type WebhookStatus = z.infer<typeof webhookStatusSchema>;

/** A `messages` change's value; the arrays stay `unknown[]` so each item is parsed on its own. */
export const webhookValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({
    phone_number_id: z.string().min(1),
    display_phone_number: z.string().optional(),
  }),
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
});

export const webhookEnvelopeSchema = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })).default([]),
    }),
  ),
});
export type WebhookEnvelope = z.infer<typeof webhookEnvelopeSchema>;
