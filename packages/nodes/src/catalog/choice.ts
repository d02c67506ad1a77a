import { z } from 'zod';
import { textOf, WHATSAPP_LIMITS, type InboundMessage, type OutboundMessageInput } from '@parley/flow';
import { defineNode } from '../defineNode.js';
import { field, template } from '../fields.js';
import {
  buttonIssues,
  choiceMessages,
  listIssues,
  pickDisplay,
  type ChoiceShape,
} from '../support/choiceDisplay.js';
import { normalizeAnswer, truncate } from '../support/text.js';

/** Most options a choice may offer; beyond ten they are shown as numbered text. */
export const MAX_CHOICE_OPTIONS = 30;

const option = z.object({
  id: z
    .string()
    .min(1, { error: 'Give the option an id' })
    .max(WHATSAPP_LIMITS.listRowId, {
      error: `An option id can be at most ${WHATSAPP_LIMITS.listRowId} characters`,
    })
    .regex(/^[A-Za-z0-9_.:-]+$/, { error: 'An option id uses letters, digits, and - _ . : only' })
    .refine((id) => id !== 'fallback', { error: '"fallback" is reserved for the no-match exit' })
    .meta({ title: 'Id', ui: { widget: 'hidden' } }),
  title: template({ label: 'The option title', min: 1, max: 100, title: 'Title' }),
  description: template({
    label: 'The description',
    max: WHATSAPP_LIMITS.listRowDescription,
    title: 'Description (lists only)',
  }).default(''),
  section: field
    .text({
      label: 'The section title',
      max: WHATSAPP_LIMITS.listSectionTitle,
      title: 'Section (lists only)',
    })
    .default(''),
});

const config = z.object({
  question: template({
    label: 'The question',
    min: 1,
    max: WHATSAPP_LIMITS.textBody,
    title: 'Question',
    multiline: true,
  }).default('What would you like to do?'),
  options: z
    .array(option)
    .min(1, { error: 'Add at least one option' })
    .max(MAX_CHOICE_OPTIONS, { error: `Use at most ${MAX_CHOICE_OPTIONS} options` })
    .default([
      { id: 'opt-yes', title: 'Yes', description: '', section: '' },
      { id: 'opt-no', title: 'No', description: '', section: '' },
    ])
    .meta({ title: 'Options' }),
  display: z.enum(['auto', 'buttons', 'list', 'text']).default('auto').meta({
    title: 'Show as',
    description: 'Auto: buttons up to 3 short options, a list up to 10, numbered text beyond',
  }),
  header: template({ label: 'The header', max: WHATSAPP_LIMITS.headerText, title: 'Header' }).default(''),
  footer: template({ label: 'The footer', max: WHATSAPP_LIMITS.footerText, title: 'Footer' }).default(''),
  buttonLabel: template({
    label: 'The list button label',
    max: WHATSAPP_LIMITS.listButtonLabel,
    title: 'List button label',
  }).default('Choose'),
  variable: field
    .variable({ title: 'Save the choice in', help: 'Stores { id, title } of the chosen option' })
    .default('choice'),
  retries: z
    .number()
    .int()
    .min(0)
    .max(5)
    .default(0)
    .meta({ title: 'Ask again when the answer matches nothing (times)' }),
  retryMessage: template({
    label: 'The retry message',
    max: WHATSAPP_LIMITS.textBody,
    title: 'Retry message',
  }).default('Sorry, I did not get that. Please pick one of the options.'),
});

type ChoiceConfig = z.output<typeof config>;

/** The option a reply stands for: by tapped id, by title (case and spaces ignored), or by number. */
export function matchOption(
  options: ChoiceShape['options'],
  input: InboundMessage,
): ChoiceShape['options'][number] | undefined {
  const tappedId =
    input.type === 'button_reply' ? input.buttonId : input.type === 'list_reply' ? input.rowId : undefined;
  if (tappedId !== undefined) {
    const tapped = options.find((candidate) => candidate.id === tappedId);
    if (tapped) return tapped;
  }
  const said = normalizeAnswer(textOf(input));
  if (said === '') return undefined;
  const byTitle = options.find((candidate) => normalizeAnswer(candidate.title) === said);
  if (byTitle) return byTitle;
  const number = /^(\d{1,3})[.)]?$/.exec(said);
  return number ? options[Number(number[1]) - 1] : undefined;
}

function shapeOf(settings: ChoiceConfig): ChoiceShape {
  return settings;
}

function freezeDeep<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) freezeDeep(item);
    Object.freeze(value);
  }
  return value;
}

/**
 * The messages that ask the question. A config without templates is the very same object on
 * every run of the node (for every conversation), so its messages are worked out once and
 * kept, frozen, per config object; a rendered config is new each time and is not kept.
 */
const askedFor = new WeakMap<ChoiceConfig, readonly OutboundMessageInput[]>();

function questionMessages(settings: ChoiceConfig, rawConfig: ChoiceConfig): OutboundMessageInput[] {
  const shape = shapeOf(settings);
  if (settings !== rawConfig) return choiceMessages(shape, pickDisplay(shape, settings.display));
  let asked = askedFor.get(settings);
  if (!asked) {
    asked = freezeDeep(choiceMessages(shape, pickDisplay(shape, settings.display)));
    askedFor.set(settings, asked);
  }
  return [...asked];
}

/** A question with options: one exit per option (by its stable id) plus `fallback`. */
export const choice = defineNode({
  type: 'choice',
  title: 'Choice',
  category: 'Questions',
  icon: 'list',
  description: 'Asks a question with options: buttons, a list or numbered text. One exit per option.',
  config,
  ports: [
    { each: 'options', id: 'id', label: 'title' },
    { id: 'fallback', label: 'No match', kind: 'fallback' },
  ],
  summary: (settings) =>
    `${truncate(settings.question, 40)} (${settings.options.map((item) => item.title).join(' / ')})`,
  variablesSet: (settings) => [settings.variable],
  check(settings) {
    const shape = shapeOf(settings);
    if (settings.display === 'buttons') return buttonIssues(shape);
    if (settings.display === 'list') return listIssues(shape);
    const issues: Array<{ path: (string | number)[]; message: string; severity?: 'warning' }> = [];
    const sectioned = settings.options.filter((item) => item.section !== '').length;
    if (sectioned > 0 && sectioned < settings.options.length) {
      issues.push({
        path: ['options'],
        message: 'Give every option a section, or none',
        severity: 'warning',
      });
    }
    return issues;
  },
  run({ config: settings, rawConfig }) {
    return { messages: questionMessages(settings, rawConfig), next: { wait: 'reply' } };
  },
  onReply({ config: settings, rawConfig, input, nodeState }) {
    const chosen = matchOption(settings.options, input);
    if (chosen) {
      return {
        set: { [settings.variable]: { id: chosen.id, title: chosen.title } },
        next: { port: chosen.id },
      };
    }
    const attempts = ((nodeState as { attempts?: number } | undefined)?.attempts ?? 0) + 1;
    if (attempts > settings.retries) return { next: { port: 'fallback' } };
    return {
      messages: [{ type: 'text', text: settings.retryMessage }, ...questionMessages(settings, rawConfig)],
      nodeState: { attempts },
      next: { wait: 'reply' },
    };
  },
});
