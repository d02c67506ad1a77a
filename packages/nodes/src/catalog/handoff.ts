import { z } from 'zod';
import { WHATSAPP_LIMITS } from '@parley/flow';
import { defineNode } from '../defineNode.js';
import { field, template } from '../fields.js';

const config = z.object({
  message: template({
    label: 'The message',
    max: WHATSAPP_LIMITS.textBody,
    title: 'Tell the user',
    multiline: true,
  }).default('Connecting you with a person from our team. They will answer here shortly.'),
  team: field
    .text({ label: 'The team name', max: 100, title: 'Team or queue', help: 'Shown to operators; optional' })
    .default(''),
  note: template({ label: 'The note', max: 2000, title: 'Note for the operator', multiline: true }).default(
    '',
  ),
});

/** Hands the conversation to a human: the bot stays silent until an operator releases it (`resumed`). */
export const handoff = defineNode({
  type: 'handoff',
  title: 'Hand over to a person',
  category: 'Flow',
  icon: 'headphones',
  description: 'Stops the bot for this contact until an operator hands the conversation back.',
  config,
  ports: [{ id: 'resumed', label: 'Back from operator' }] as const,
  summary: (settings) => (settings.team !== '' ? `To ${settings.team}` : 'To a person'),
  run: ({ config: settings }) => ({
    ...(settings.message.trim() !== ''
      ? { messages: [{ type: 'text' as const, text: settings.message }] }
      : {}),
    set: { handoff: { team: settings.team || null, note: settings.note || null } },
    next: { handoff: true, port: 'resumed' },
  }),
  variablesSet: () => ['handoff'],
});
