import { z } from 'zod';
import { WHATSAPP_LIMITS } from '@parley/flow';
import { defineNode } from '../defineNode.js';
import { template } from '../fields.js';
import { splitText, truncate } from '../support/text.js';

const config = z.object({
  message: template({
    label: 'The closing message',
    max: WHATSAPP_LIMITS.textBody,
    title: 'Closing message',
    multiline: true,
  }).default(''),
});

/** Ends the conversation, optionally with a closing message; the next message starts the flow anew. */
export const end = defineNode({
  type: 'end',
  title: 'End',
  category: 'Flow',
  icon: 'square',
  description: 'Ends the conversation. The next message from the user starts the flow again.',
  config,
  ports: [],
  summary: (settings) => (settings.message !== '' ? truncate(settings.message, 60) : 'End'),
  run: ({ config: settings }) => ({
    ...(settings.message.trim() !== ''
      ? {
          messages: splitText(settings.message, WHATSAPP_LIMITS.textBody).map((text) => ({
            type: 'text' as const,
            text,
          })),
        }
      : {}),
    next: { end: true },
  }),
});
