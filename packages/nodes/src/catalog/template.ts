import { z } from 'zod';
import { WHATSAPP_LIMITS } from '@parley/flow';
import { defineNode } from '../defineNode.js';
import { field, template as templateField } from '../fields.js';
import { truncate } from '../support/text.js';

const config = z.object({
  name: field
    .text({
      label: 'The template name',
      min: 1,
      max: 512,
      title: 'Template name',
      help: 'As approved in WhatsApp Manager',
    })
    .regex(/^[a-z0-9_]+$/, { error: 'Template names use lowercase letters, digits and _ only' })
    .default('hello_world'),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, { error: 'Use a language code like en or en_US' })
    .default('en_US')
    .meta({ title: 'Language' }),
  bodyParams: z
    .array(templateField({ label: 'A body parameter', max: WHATSAPP_LIMITS.templateParam }))
    .max(100)
    .default([])
    .meta({ title: 'Body parameters', description: 'In order: {{1}}, {{2}}, …' }),
  headerParams: z
    .array(templateField({ label: 'A header parameter', max: WHATSAPP_LIMITS.templateHeaderParam }))
    .max(1)
    .default([])
    .meta({ title: 'Header parameter' }),
});

/** Sends an approved WhatsApp template: the only message allowed outside the 24-hour window. */
export const template = defineNode({
  type: 'template',
  title: 'Template message',
  category: 'Messages',
  icon: 'file-text',
  description:
    'Sends an approved WhatsApp template, the only kind of message allowed after 24 hours of silence.',
  config,
  ports: [{ id: 'next', label: 'Next' }] as const,
  summary: (settings) => `${settings.name} (${settings.language})`,
  check(settings) {
    const issues: Array<{ path: (string | number)[]; message: string }> = [];
    settings.bodyParams.forEach((param, index) => {
      if (param.trim() === '')
        issues.push({
          path: ['bodyParams', index],
          message: `Body parameter {{${index + 1}}} is empty; WhatsApp refuses empty parameters`,
        });
    });
    return issues;
  },
  run: ({ config: settings }) => ({
    messages: [
      {
        type: 'template',
        name: settings.name,
        language: settings.language,
        // Rendered values can outgrow the limit; WhatsApp would refuse the whole message.
        bodyParams: settings.bodyParams.map((param) => truncate(param, WHATSAPP_LIMITS.templateParam)),
        ...(settings.headerParams.length > 0
          ? {
              headerParams: settings.headerParams.map((param) =>
                truncate(param, WHATSAPP_LIMITS.templateHeaderParam),
              ),
            }
          : {}),
      },
    ],
    next: { port: 'next' },
  }),
});
