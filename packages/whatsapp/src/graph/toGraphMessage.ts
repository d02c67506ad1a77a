import { WHATSAPP_LIMITS, type OutboundMessage } from '@parley/flow';

/** One reason a message cannot be sent as is, written for a person. */
export interface GraphMessageIssue {
  code: string;
  path: (string | number)[];
  message: string;
}

/** The type-specific part of a Graph `/messages` body (`type` plus the object of that type). */
export type GraphMessageBody = { type: string } & Record<string, unknown>;

export type GraphMessageResult =
  { ok: true; body: GraphMessageBody } | { ok: false; issues: GraphMessageIssue[] };

/** WhatsApp counts characters, not UTF-16 units: an emoji is one character. */
const length = (text: string): number => [...text].length;

const ordinal = (index: number) => index + 1;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** What a person sees as characters: a family emoji or a flag is one. */
const graphemes = (text: string): number => [...segmenter.segment(text)].length;

function createChecker() {
  const issues: GraphMessageIssue[] = [];
  return {
    issues,
    /** Records an issue when `text` is longer than `max` characters. */
    max(text: string | undefined, max: number, path: (string | number)[], what: string) {
      if (text === undefined) return;
      const count = length(text);
      if (count > max) {
        issues.push({
          code: 'too_long',
          path,
          message: `${what} is ${count} characters; WhatsApp allows ${max}.`,
        });
      }
    },
    fail(code: string, path: (string | number)[], message: string) {
      issues.push({ code, path, message });
    },
  };
}

function mediaRef(link: string | undefined, mediaId: string | undefined): Record<string, string> {
  return mediaId !== undefined ? { id: mediaId } : { link: link ?? '' };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Converts a message of Parley's vocabulary into the type-specific part of a Graph API body,
 * checking WhatsApp's limits again at send time (WHATSAPP_LIMITS), so a bad message fails here
 * with words for a person instead of at Meta with an error code.
 * @example toGraphMessage({ type: 'text', text: 'Hi' }) // { ok: true, body: { type: 'text', text: { body: 'Hi', preview_url: false } } }
 */
export function toGraphMessage(message: OutboundMessage): GraphMessageResult {
  const check = createChecker();
  const L = WHATSAPP_LIMITS;
  let body: GraphMessageBody;

  switch (message.type) {
    case 'text': {
      if (message.text.trim() === '') check.fail('empty', ['text'], 'The message text is empty.');
      check.max(message.text, L.textBody, ['text'], 'The message text');
      body = { type: 'text', text: { body: message.text, preview_url: message.previewUrl ?? false } };
      break;
    }
    case 'buttons': {
      check.max(message.body, L.interactiveBody, ['body'], 'The message body');
      check.max(message.header, L.headerText, ['header'], 'The header');
      check.max(message.footer, L.footerText, ['footer'], 'The footer');
      if (message.buttons.length > L.replyButtonsMax) {
        check.fail(
          'too_many',
          ['buttons'],
          `The message has ${message.buttons.length} buttons; WhatsApp allows ${L.replyButtonsMax}.`,
        );
      }
      const titles = new Set<string>();
      const ids = new Set<string>();
      message.buttons.forEach((button, index) => {
        check.max(
          button.title,
          L.replyButtonTitle,
          ['buttons', index, 'title'],
          `Button ${ordinal(index)}'s title`,
        );
        check.max(button.id, L.replyButtonId, ['buttons', index, 'id'], `Button ${ordinal(index)}'s id`);
        const title = button.title.trim().toLowerCase();
        if (titles.has(title)) {
          check.fail(
            'duplicate',
            ['buttons', index, 'title'],
            `Button ${ordinal(index)} repeats another button's title.`,
          );
        }
        if (ids.has(button.id)) {
          check.fail(
            'duplicate',
            ['buttons', index, 'id'],
            `Button ${ordinal(index)} repeats another button's id.`,
          );
        }
        titles.add(title);
        ids.add(button.id);
      });
      let header: Record<string, unknown> | undefined;
      if (message.mediaHeader) {
        const { kind, link, mediaId } = message.mediaHeader;
        if (link === undefined && mediaId === undefined) {
          check.fail('missing', ['mediaHeader'], 'The header image, video or document has no file.');
        }
        header = { type: kind, [kind]: mediaRef(link, mediaId) };
      } else if (message.header !== undefined) {
        header = { type: 'text', text: message.header };
      }
      body = {
        type: 'interactive',
        interactive: {
          type: 'button',
          ...(header && { header }),
          body: { text: message.body },
          ...(message.footer !== undefined && { footer: { text: message.footer } }),
          action: {
            buttons: message.buttons.map((button) => ({
              type: 'reply',
              reply: { id: button.id, title: button.title },
            })),
          },
        },
      };
      break;
    }
    case 'list': {
      check.max(message.body, L.listBody, ['body'], 'The message body');
      check.max(message.header, L.headerText, ['header'], 'The header');
      check.max(message.footer, L.footerText, ['footer'], 'The footer');
      check.max(message.buttonLabel, L.listButtonLabel, ['buttonLabel'], 'The list button label');
      if (message.sections.length > L.listSectionsMax) {
        check.fail(
          'too_many',
          ['sections'],
          `The list has ${message.sections.length} sections; WhatsApp allows ${L.listSectionsMax}.`,
        );
      }
      const rowCount = message.sections.reduce((sum, section) => sum + section.rows.length, 0);
      if (rowCount > L.listRowsMax) {
        check.fail(
          'too_many',
          ['sections'],
          `The list has ${rowCount} rows; WhatsApp allows ${L.listRowsMax} in all.`,
        );
      }
      const rowIds = new Set<string>();
      message.sections.forEach((section, s) => {
        if (message.sections.length > 1 && !section.title?.trim()) {
          check.fail(
            'missing',
            ['sections', s, 'title'],
            `Section ${ordinal(s)} needs a title when a list has several sections.`,
          );
        }
        check.max(
          section.title,
          L.listSectionTitle,
          ['sections', s, 'title'],
          `Section ${ordinal(s)}'s title`,
        );
        section.rows.forEach((row, r) => {
          const where = `Row ${ordinal(r)} of section ${ordinal(s)}`;
          check.max(row.id, L.listRowId, ['sections', s, 'rows', r, 'id'], `${where}'s id`);
          check.max(row.title, L.listRowTitle, ['sections', s, 'rows', r, 'title'], `${where}'s title`);
          check.max(
            row.description,
            L.listRowDescription,
            ['sections', s, 'rows', r, 'description'],
            `${where}'s description`,
          );
          if (rowIds.has(row.id))
            check.fail('duplicate', ['sections', s, 'rows', r, 'id'], `${where} repeats another row's id.`);
          rowIds.add(row.id);
        });
      });
      body = {
        type: 'interactive',
        interactive: {
          type: 'list',
          ...(message.header !== undefined && { header: { type: 'text', text: message.header } }),
          body: { text: message.body },
          ...(message.footer !== undefined && { footer: { text: message.footer } }),
          action: {
            button: message.buttonLabel,
            sections: message.sections.map((section) => ({
              ...(section.title !== undefined && { title: section.title }),
              rows: section.rows.map((row) => ({
                id: row.id,
                title: row.title,
                ...(row.description !== undefined && { description: row.description }),
              })),
            })),
          },
        },
      };
      break;
    }
    case 'cta_url': {
      check.max(message.body, L.interactiveBody, ['body'], 'The message body');
      check.max(message.header, L.headerText, ['header'], 'The header');
      check.max(message.footer, L.footerText, ['footer'], 'The footer');
      check.max(message.displayText, L.ctaDisplayText, ['displayText'], 'The button text');
      if (!isHttpUrl(message.url))
        check.fail('invalid_url', ['url'], 'The button link must be a web address (https://…).');
      body = {
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          ...(message.header !== undefined && { header: { type: 'text', text: message.header } }),
          body: { text: message.body },
          ...(message.footer !== undefined && { footer: { text: message.footer } }),
          action: { name: 'cta_url', parameters: { display_text: message.displayText, url: message.url } },
        },
      };
      break;
    }
    case 'media': {
      const { mediaKind, link, mediaId, caption, filename } = message;
      if ((link === undefined) === (mediaId === undefined)) {
        check.fail('missing', ['mediaId'], 'A media message needs exactly one of a media id or a link.');
      }
      if (link !== undefined && !isHttpUrl(link))
        check.fail('invalid_url', ['link'], 'The media link must be a web address.');
      const takesCaption = mediaKind === 'image' || mediaKind === 'video' || mediaKind === 'document';
      if (caption !== undefined && !takesCaption) {
        check.fail('not_allowed', ['caption'], `WhatsApp does not show captions on ${mediaKind} messages.`);
      }
      check.max(caption, L.mediaCaption, ['caption'], 'The caption');
      body = {
        type: mediaKind,
        [mediaKind]: {
          ...mediaRef(link, mediaId),
          ...(caption !== undefined && takesCaption && { caption }),
          ...(filename !== undefined && mediaKind === 'document' && { filename }),
        },
      };
      break;
    }
    case 'template': {
      const components: Record<string, unknown>[] = [];
      message.headerParams?.forEach((param, index) =>
        check.max(
          param,
          L.templateHeaderParam,
          ['headerParams', index],
          `Header parameter ${ordinal(index)}`,
        ),
      );
      message.bodyParams.forEach((param, index) =>
        check.max(param, L.templateParam, ['bodyParams', index], `Body parameter ${ordinal(index)}`),
      );
      if (message.headerParams && message.headerParams.length > 0) {
        components.push({
          type: 'header',
          parameters: message.headerParams.map((text) => ({ type: 'text', text })),
        });
      }
      if (message.bodyParams.length > 0) {
        components.push({
          type: 'body',
          parameters: message.bodyParams.map((text) => ({ type: 'text', text })),
        });
      }
      for (const [index, component] of (message.components ?? []).entries()) {
        const type = component.type;
        if (typeof type !== 'string') {
          check.fail(
            'invalid',
            ['components', index, 'type'],
            `Template component ${ordinal(index)} has no type.`,
          );
        } else if (
          (type === 'body' && message.bodyParams.length > 0) ||
          (type === 'header' && message.headerParams?.length)
        ) {
          check.fail('duplicate', ['components', index], `Template ${type} parameters are given twice.`);
        }
        components.push(component);
      }
      body = {
        type: 'template',
        template: {
          name: message.name,
          language: { code: message.language },
          ...(components.length > 0 && { components }),
        },
      };
      break;
    }
    case 'location': {
      if (!(Math.abs(message.latitude) <= 90))
        check.fail('out_of_range', ['latitude'], 'The latitude must be between -90 and 90.');
      if (!(Math.abs(message.longitude) <= 180)) {
        check.fail('out_of_range', ['longitude'], 'The longitude must be between -180 and 180.');
      }
      body = {
        type: 'location',
        location: {
          latitude: message.latitude,
          longitude: message.longitude,
          ...(message.name !== undefined && { name: message.name }),
          ...(message.address !== undefined && { address: message.address }),
        },
      };
      break;
    }
    case 'contacts': {
      if (message.contacts.length > L.contactsMax) {
        check.fail(
          'too_many',
          ['contacts'],
          `The message has ${message.contacts.length} contacts; WhatsApp allows ${L.contactsMax}.`,
        );
      }
      body = { type: 'contacts', contacts: message.contacts };
      break;
    }
    case 'reaction': {
      // An empty emoji removes a reaction; anything else must be a single emoji.
      if (message.emoji !== '' && graphemes(message.emoji) !== 1) {
        check.fail('invalid', ['emoji'], 'A reaction is a single emoji.');
      }
      body = { type: 'reaction', reaction: { message_id: message.targetMessageId, emoji: message.emoji } };
      break;
    }
  }
  return check.issues.length > 0 ? { ok: false, issues: check.issues } : { ok: true, body };
}
