import { WHATSAPP_LIMITS, type OutboundMessageInput } from '@parley/flow';
import { splitText, truncate } from '../support/text.js';

/** The parts of a choice node that decide how it can be shown. */
export interface ChoiceShape {
  question: string;
  header: string;
  footer: string;
  buttonLabel: string;
  options: Array<{ id: string; title: string; description: string; section: string }>;
}

export type ChoiceDisplay = 'buttons' | 'list' | 'text';

type Issue = { path: (string | number)[]; message: string };

function tooLong(what: string, length: number, max: number): string {
  return `${what} is ${length} characters; WhatsApp allows ${max}`;
}

/** Why a choice cannot be shown as reply buttons (empty when it can). */
export function buttonIssues(choice: ChoiceShape): Issue[] {
  const issues: Issue[] = [];
  if (choice.options.length > WHATSAPP_LIMITS.replyButtonsMax) {
    issues.push({
      path: ['options'],
      message: `Reply buttons allow ${WHATSAPP_LIMITS.replyButtonsMax} options; this question has ${choice.options.length}. Use a list instead`,
    });
  }
  if (choice.question.length > WHATSAPP_LIMITS.interactiveBody) {
    issues.push({
      path: ['question'],
      message: tooLong('The question', choice.question.length, WHATSAPP_LIMITS.interactiveBody),
    });
  }
  choice.options.forEach((option, index) => {
    if (option.title.length > WHATSAPP_LIMITS.replyButtonTitle) {
      issues.push({
        path: ['options', index, 'title'],
        message: tooLong(
          `Button ${index + 1}'s title`,
          option.title.length,
          WHATSAPP_LIMITS.replyButtonTitle,
        ),
      });
    }
    if (option.description !== '') {
      issues.push({
        path: ['options', index, 'description'],
        message: `Buttons cannot show a description (option ${index + 1}); use a list instead`,
      });
    }
  });
  if (choice.options.some((option) => option.section !== '')) {
    issues.push({ path: ['options'], message: 'Buttons cannot be grouped in sections; use a list instead' });
  }
  return issues;
}

/** Why a choice cannot be shown as a list message (empty when it can). */
export function listIssues(choice: ChoiceShape): Issue[] {
  const issues: Issue[] = [];
  if (choice.options.length > WHATSAPP_LIMITS.listRowsMax) {
    issues.push({
      path: ['options'],
      message: `A list allows ${WHATSAPP_LIMITS.listRowsMax} options in total; this question has ${choice.options.length}. Use numbered text instead`,
    });
  }
  if (choice.question.length > WHATSAPP_LIMITS.listBody) {
    issues.push({
      path: ['question'],
      message: tooLong('The question', choice.question.length, WHATSAPP_LIMITS.listBody),
    });
  }
  if (choice.buttonLabel.trim() === '') {
    issues.push({ path: ['buttonLabel'], message: 'A list needs a button label, like "Choose"' });
  } else if (choice.buttonLabel.length > WHATSAPP_LIMITS.listButtonLabel) {
    issues.push({
      path: ['buttonLabel'],
      message: tooLong('The list button label', choice.buttonLabel.length, WHATSAPP_LIMITS.listButtonLabel),
    });
  }
  choice.options.forEach((option, index) => {
    if (option.title.length > WHATSAPP_LIMITS.listRowTitle) {
      issues.push({
        path: ['options', index, 'title'],
        message: tooLong(`Option ${index + 1}'s title`, option.title.length, WHATSAPP_LIMITS.listRowTitle),
      });
    }
    if (option.description.length > WHATSAPP_LIMITS.listRowDescription) {
      issues.push({
        path: ['options', index, 'description'],
        message: tooLong(
          `Option ${index + 1}'s description`,
          option.description.length,
          WHATSAPP_LIMITS.listRowDescription,
        ),
      });
    }
  });
  const sections = new Set(choice.options.map((option) => option.section));
  if (sections.size > WHATSAPP_LIMITS.listSectionsMax) {
    issues.push({
      path: ['options'],
      message: `A list allows ${WHATSAPP_LIMITS.listSectionsMax} sections; this one has ${sections.size}`,
    });
  }
  return issues;
}

/** Buttons when they fit, else a list when it fits, else numbered text (which always fits). */
export function pickDisplay(choice: ChoiceShape, forced: 'auto' | ChoiceDisplay): ChoiceDisplay {
  if (forced !== 'auto') return forced;
  if (buttonIssues(choice).length === 0) return 'buttons';
  if (listIssues(choice).length === 0) return 'list';
  return 'text';
}

/** Options grouped by section title, in order of first appearance. */
function sectionsOf(choice: ChoiceShape): Array<{ title: string; options: ChoiceShape['options'] }> {
  const sections: Array<{ title: string; options: ChoiceShape['options'] }> = [];
  for (const option of choice.options) {
    const section = sections.find((candidate) => candidate.title === option.section);
    if (section) section.options.push(option);
    else sections.push({ title: option.section, options: [option] });
  }
  return sections;
}

/** The numbered-text form: header in bold, the options as "1. Title — description", footer in italics. */
export function numberedText(choice: ChoiceShape): string {
  const lines: string[] = [];
  if (choice.header.trim() !== '') lines.push(`*${choice.header.trim()}*`, '');
  lines.push(choice.question, '');
  let number = 0;
  for (const section of sectionsOf(choice)) {
    if (section.title !== '') lines.push(`*${section.title}*`);
    for (const option of section.options) {
      number += 1;
      lines.push(`${number}. ${option.title}${option.description !== '' ? ` — ${option.description}` : ''}`);
    }
  }
  if (choice.footer.trim() !== '') lines.push('', `_${choice.footer.trim()}_`);
  return lines.join('\n');
}

/**
 * The messages that ask a choice question in the given form. Texts that grew past a limit once
 * variables were filled in are cut, so the send never fails.
 */
export function choiceMessages(rendered: ChoiceShape, display: ChoiceDisplay): OutboundMessageInput[] {
  // A variable that rendered empty must not produce an empty title or body, which WhatsApp refuses.
  const choice: ChoiceShape = {
    ...rendered,
    question: rendered.question.trim() === '' ? 'Please choose:' : rendered.question,
    options: rendered.options.map((option) => ({
      ...option,
      title: option.title.trim() === '' ? option.id : option.title,
    })),
  };
  const header = truncate(choice.header.trim(), WHATSAPP_LIMITS.headerText);
  const footer = truncate(choice.footer.trim(), WHATSAPP_LIMITS.footerText);
  const extras = { ...(header !== '' ? { header } : {}), ...(footer !== '' ? { footer } : {}) };
  if (display === 'buttons') {
    return [
      {
        type: 'buttons',
        body: truncate(choice.question, WHATSAPP_LIMITS.interactiveBody),
        ...extras,
        buttons: choice.options.slice(0, WHATSAPP_LIMITS.replyButtonsMax).map((option) => ({
          id: option.id,
          title: truncate(option.title, WHATSAPP_LIMITS.replyButtonTitle),
        })),
      },
    ];
  }
  if (display === 'list') {
    const named = choice.options.some((option) => option.section !== '');
    return [
      {
        type: 'list',
        body: truncate(choice.question, WHATSAPP_LIMITS.listBody),
        ...extras,
        buttonLabel: truncate(choice.buttonLabel.trim() || 'Choose', WHATSAPP_LIMITS.listButtonLabel),
        sections: sectionsOf({
          ...choice,
          options: choice.options.slice(0, WHATSAPP_LIMITS.listRowsMax),
        }).map((section) => ({
          ...(named ? { title: truncate(section.title || 'Other', WHATSAPP_LIMITS.listSectionTitle) } : {}),
          rows: section.options.map((option) => ({
            id: option.id,
            title: truncate(option.title, WHATSAPP_LIMITS.listRowTitle),
            ...(option.description !== ''
              ? { description: truncate(option.description, WHATSAPP_LIMITS.listRowDescription) }
              : {}),
          })),
        })),
      },
    ];
  }
  return splitText(numberedText(choice), WHATSAPP_LIMITS.textBody).map((text) => ({
    type: 'text' as const,
    text,
  }));
}
