import { z } from 'zod';
import { WHATSAPP_LIMITS as L } from '@parley/flow';

// Graph answers 100 for a missing or malformed parameter and 131009 for a value out of range.
// Custom checks carry their code in `params.graphCode`; see graphIssue.ts for the mapping.
const VALUE = { graphCode: 131009 };

const required = (max?: number) => (max === undefined ? z.string().min(1) : z.string().min(1).max(max));

const mediaObject = (caption: boolean, extra: Record<string, z.ZodType> = {}) =>
  z
    .object({
      id: z.string().min(1).optional(),
      link: z.url({ protocol: /^https?$/ }).optional(),
      ...(caption ? { caption: z.string().max(L.mediaCaption).optional() } : { caption: z.undefined() }),
      ...extra,
    })
    .refine((m) => (m.id === undefined) !== (m.link === undefined), {
      message: 'Exactly one of id or link is required',
    });

const textHeader = z.object({ type: z.literal('text'), text: required(L.headerText) });
const mediaHeader = z.union([
  z.object({ type: z.literal('image'), image: mediaObject(false) }),
  z.object({ type: z.literal('video'), video: mediaObject(false) }),
  z.object({
    type: z.literal('document'),
    document: mediaObject(false, { filename: z.string().optional() }),
  }),
]);
const footer = z.object({ text: required(L.footerText) }).optional();

function unique<T>(
  items: T[],
  key: (item: T) => string,
  ctx: z.RefinementCtx,
  path: (i: number) => PropertyKey[],
  what: string,
) {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k))
      ctx.addIssue({
        code: 'custom',
        path: path(i),
        message: `${what} "${k}" is used twice; each must be unique`,
        params: VALUE,
      });
    seen.add(k);
  });
}

const replyButton = z.object({
  type: z.literal('reply'),
  reply: z.object({
    id: required(L.replyButtonId).refine((id) => id.trim() === id, {
      message: 'Button id must not start or end with spaces',
      params: VALUE,
    }),
    title: required(L.replyButtonTitle),
  }),
});

const buttonInteractive = z.object({
  type: z.literal('button'),
  header: z.union([textHeader, mediaHeader]).optional(),
  body: z.object({ text: required(L.interactiveBody) }),
  footer,
  action: z
    .object({ buttons: z.array(replyButton).min(1).max(L.replyButtonsMax) })
    .superRefine((action, ctx) => {
      unique(
        action.buttons,
        (b) => b.reply.id,
        ctx,
        (i) => ['buttons', i, 'reply', 'id'],
        'Button id',
      );
      unique(
        action.buttons,
        (b) => b.reply.title,
        ctx,
        (i) => ['buttons', i, 'reply', 'title'],
        'Button title',
      );
    }),
});

const listRow = z.object({
  id: required(L.listRowId),
  title: required(L.listRowTitle),
  description: z.string().max(L.listRowDescription).optional(),
});

const listInteractive = z.object({
  type: z.literal('list'),
  header: textHeader.optional(),
  body: z.object({ text: required(L.listBody) }),
  footer,
  action: z
    .object({
      button: required(L.listButtonLabel),
      sections: z
        .array(
          z.object({
            title: z.string().min(1).max(L.listSectionTitle).optional(),
            rows: z.array(listRow).min(1),
          }),
        )
        .min(1)
        .max(L.listSectionsMax),
    })
    .superRefine((action, ctx) => {
      const rows = action.sections.flatMap((s, si) => s.rows.map((r, ri) => ({ r, si, ri })));
      if (rows.length > L.listRowsMax) {
        ctx.addIssue({
          code: 'custom',
          path: ['sections'],
          message: `The list has ${rows.length} rows in total; WhatsApp allows at most ${L.listRowsMax}`,
          params: VALUE,
        });
      }
      unique(
        rows,
        (x) => x.r.id,
        ctx,
        (i) => ['sections', rows[i]?.si ?? 0, 'rows', rows[i]?.ri ?? 0, 'id'],
        'Row id',
      );
      if (action.sections.length > 1) {
        action.sections.forEach((s, i) => {
          if (!s.title) {
            ctx.addIssue({
              code: 'custom',
              path: ['sections', i, 'title'],
              message: 'Each section needs a title when there are several sections',
              params: VALUE,
            });
          }
        });
      }
    }),
});

const ctaInteractive = z.object({
  type: z.literal('cta_url'),
  header: z.union([textHeader, mediaHeader]).optional(),
  body: z.object({ text: required(L.interactiveBody) }),
  footer,
  action: z.object({
    name: z.literal('cta_url'),
    parameters: z.object({ display_text: required(L.ctaDisplayText), url: z.url({ protocol: /^https?$/ }) }),
  }),
});

const locationRequestInteractive = z.object({
  type: z.literal('location_request_message'),
  body: z.object({ text: required(L.interactiveBody) }),
  action: z.object({ name: z.literal('send_location') }),
});

const templateParameter = z
  .object({
    type: z.string().min(1),
    text: z.string().max(L.templateParam).optional(),
    payload: z.string().optional(),
  })
  .loose();

const template = z
  .object({
    name: required(512),
    language: z.object({ code: required(15), policy: z.string().optional() }),
    components: z
      .array(
        z
          .object({
            type: z.enum(['header', 'body', 'button', 'footer', 'carousel', 'limited_time_offer']),
            sub_type: z.string().optional(),
            index: z.union([z.string(), z.number()]).optional(),
            parameters: z.array(templateParameter).optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .superRefine((t, ctx) => {
    t.components?.forEach((c, ci) => {
      if (c.type !== 'header') return;
      c.parameters?.forEach((p, pi) => {
        if (p.type === 'text' && (p.text?.length ?? 0) > L.templateHeaderParam) {
          ctx.addIssue({
            code: 'custom',
            path: ['components', ci, 'parameters', pi, 'text'],
            message: `A header parameter is ${p.text?.length} characters; WhatsApp allows at most ${L.templateHeaderParam}`,
            params: VALUE,
          });
        }
      });
    });
  });

const singleEmoji = z.string().refine((e) => [...new Intl.Segmenter().segment(e)].length <= 1, {
  message: 'A reaction must be a single emoji',
  params: VALUE,
});

const contact = z
  .object({
    name: z.object({ formatted_name: required() }).loose(),
    phones: z
      .array(
        z
          .object({ phone: z.string().optional(), wa_id: z.string().optional(), type: z.string().optional() })
          .loose(),
      )
      .optional(),
  })
  .loose();

const common = {
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.enum(['individual', 'group']).optional(),
  to: z.string().min(1).optional(),
  recipient: z.string().min(1).optional(),
  context: z.object({ message_id: required() }).optional(),
  biz_opaque_callback_data: z.string().max(L.callbackData).optional(),
};

/**
 * A `POST /{phone-number-id}/messages` send body as Graph accepts it (PROTOCOL.md §5), with
 * WhatsApp's limits from `WHATSAPP_LIMITS`.
 */
export const sendMessageSchema = z
  .discriminatedUnion('type', [
    z.object({
      ...common,
      type: z.literal('text'),
      text: z.object({ body: required(L.textBody), preview_url: z.boolean().optional() }),
    }),
    z.object({ ...common, type: z.literal('image'), image: mediaObject(true) }),
    z.object({ ...common, type: z.literal('video'), video: mediaObject(true) }),
    z.object({
      ...common,
      type: z.literal('audio'),
      audio: mediaObject(false, { voice: z.boolean().optional() }),
    }),
    z.object({
      ...common,
      type: z.literal('document'),
      document: mediaObject(true, { filename: z.string().optional() }),
    }),
    z.object({ ...common, type: z.literal('sticker'), sticker: mediaObject(false) }),
    z.object({
      ...common,
      type: z.literal('location'),
      location: z.object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        name: z.string().optional(),
        address: z.string().optional(),
      }),
    }),
    z.object({
      ...common,
      type: z.literal('contacts'),
      contacts: z.array(contact).min(1).max(L.contactsMax),
    }),
    z.object({
      ...common,
      type: z.literal('reaction'),
      reaction: z.object({ message_id: required(), emoji: singleEmoji }),
    }),
    z.object({
      ...common,
      type: z.literal('interactive'),
      interactive: z.discriminatedUnion('type', [
        buttonInteractive,
        listInteractive,
        ctaInteractive,
        locationRequestInteractive,
      ]),
    }),
    z.object({ ...common, type: z.literal('template'), template }),
  ])
  .superRefine((msg, ctx) => {
    if (msg.to === undefined && msg.recipient === undefined) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'The parameter to is required.' });
    }
  });

/** A send body that passed validation. */
export type SendMessageBody = z.output<typeof sendMessageSchema>;

/** `POST /messages` with `status: "read"`: mark read, optionally with the typing indicator. */
export const markReadSchema = z.object({
  messaging_product: z.literal('whatsapp'),
  status: z.literal('read'),
  message_id: required(),
  typing_indicator: z.object({ type: z.literal('text') }).optional(),
});

/** A mark-read (and typing) body that passed validation. */
export type MarkReadBody = z.output<typeof markReadSchema>;
