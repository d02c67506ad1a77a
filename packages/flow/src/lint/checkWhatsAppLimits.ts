import type { ConfigIssue } from '../nodeTypeCatalog.js';
import type { JsonPath } from '../issues/flowIssue.js';
import { issueMessage } from '../issues/issueCatalog.js';
import type { FlowIssueCode, FlowIssueParams } from '../issues/issueCatalog.js';
import { WHATSAPP_LIMITS } from '../whatsappLimits.js';

/**
 * WhatsApp's limits as design-time checks, shared by node definitions, the linter and the
 * simulator so all three apply the same rules from the one table (whatsappLimits.ts).
 * Lengths are UTF-16 units (`.length`), the stricter count: an emoji counts 2, never less than
 * WhatsApp counts. A text with `{{placeholders}}` is checked as typed; the runtime checks again
 * after rendering.
 */

function issue<C extends FlowIssueCode>(code: C, params: FlowIssueParams<C>, path: JsonPath): ConfigIssue {
  return { code, path, message: issueMessage(code, params), severity: 'error' };
}

type TextLimitKey =
  | 'textBody'
  | 'mediaCaption'
  | 'interactiveBody'
  | 'listBody'
  | 'headerText'
  | 'footerText'
  | 'ctaDisplayText'
  | 'listButtonLabel'
  | 'listSectionTitle'
  | 'templateParam'
  | 'templateHeaderParam';

const TEXT_LABELS: Record<TextLimitKey, string> = {
  textBody: 'The message text',
  mediaCaption: 'The caption',
  interactiveBody: 'The message text',
  listBody: 'The message text',
  headerText: 'The header',
  footerText: 'The footer',
  ctaDisplayText: 'The link button text',
  listButtonLabel: 'The list button label',
  listSectionTitle: 'The section title',
  templateParam: 'The template value',
  templateHeaderParam: 'The template header value',
};

/**
 * One text against one limit of the table; nothing when it is absent or fits.
 * @example checkTextLength(config.footer, 'footerText', ['footer'])
 */
export function checkTextLength(
  text: string | undefined | null,
  limit: TextLimitKey,
  path: JsonPath,
  label: string = TEXT_LABELS[limit],
): ConfigIssue[] {
  const max = WHATSAPP_LIMITS[limit];
  if (typeof text !== 'string' || text.length <= max) return [];
  return [issue('limit.text.too_long', { label, length: text.length, max }, path)];
}

export interface ReplyButtonInput {
  /** Absent when the node makes ids itself. */
  id?: string;
  title: string;
}

/**
 * Reply buttons: 1 to 3, titles of at most 20 characters, different titles, ids unique and short.
 * @example checkReplyButtons(config.buttons) // [{ code: 'limit.button.title', path: ['buttons', 1, 'title'], message: "Button 'Yes, please…' is 32 characters; WhatsApp allows 20." }]
 */
export function checkReplyButtons(
  buttons: readonly ReplyButtonInput[],
  path: JsonPath = ['buttons'],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (buttons.length === 0) issues.push(issue('limit.buttons.none', {}, path));
  if (buttons.length > WHATSAPP_LIMITS.replyButtonsMax) {
    issues.push(
      issue('limit.buttons.too_many', { count: buttons.length, max: WHATSAPP_LIMITS.replyButtonsMax }, path),
    );
  }
  const titles = new Set<string>();
  const ids = new Set<string>();
  buttons.forEach((button, index) => {
    const at = [...path, index];
    const title = button.title;
    if (title.trim() === '')
      issues.push(issue('limit.button.title_empty', { position: index + 1 }, [...at, 'title']));
    else if (title.length > WHATSAPP_LIMITS.replyButtonTitle) {
      issues.push(
        issue('limit.button.title', { title, length: title.length, max: WHATSAPP_LIMITS.replyButtonTitle }, [
          ...at,
          'title',
        ]),
      );
    }
    const titleKey = title.trim();
    if (titleKey !== '' && titles.has(titleKey))
      issues.push(issue('limit.button.title_duplicate', { title }, [...at, 'title']));
    titles.add(titleKey);
    if (button.id === undefined) return;
    if (button.id.length > WHATSAPP_LIMITS.replyButtonId) {
      issues.push(
        issue('limit.button.id', { title, length: button.id.length, max: WHATSAPP_LIMITS.replyButtonId }, [
          ...at,
          'id',
        ]),
      );
    }
    if (ids.has(button.id)) issues.push(issue('limit.button.id_duplicate', { id: button.id }, [...at, 'id']));
    ids.add(button.id);
  });
  return issues;
}

export interface ListRowInput {
  id?: string;
  title: string;
  description?: string;
}

export interface ListInput {
  buttonLabel: string;
  sections: ReadonlyArray<{ title?: string; rows: readonly ListRowInput[] }>;
}

/**
 * A list message: button label, 1 to 10 sections, 1 to 10 rows in all, titles needed when there
 * are several sections, row title/description/id lengths, row ids unique across the list.
 * @example checkList({ buttonLabel: 'Choose', sections: [{ rows: [{ id: 'a', title: 'Margherita' }] }] }) // []
 */
export function checkList(list: ListInput, path: JsonPath = []): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const label = list.buttonLabel;
  if (label.trim() === '') issues.push(issue('limit.list.button_label_empty', {}, [...path, 'buttonLabel']));
  else if (label.length > WHATSAPP_LIMITS.listButtonLabel) {
    issues.push(
      issue(
        'limit.list.button_label',
        { label, length: label.length, max: WHATSAPP_LIMITS.listButtonLabel },
        [...path, 'buttonLabel'],
      ),
    );
  }
  const sectionsPath = [...path, 'sections'];
  const { sections } = list;
  if (sections.length === 0) issues.push(issue('limit.list.sections_none', {}, sectionsPath));
  if (sections.length > WHATSAPP_LIMITS.listSectionsMax) {
    issues.push(
      issue(
        'limit.list.sections_too_many',
        { count: sections.length, max: WHATSAPP_LIMITS.listSectionsMax },
        sectionsPath,
      ),
    );
  }
  const totalRows = sections.reduce((sum, section) => sum + section.rows.length, 0);
  if (totalRows > WHATSAPP_LIMITS.listRowsMax) {
    issues.push(
      issue('limit.list.rows_too_many', { count: totalRows, max: WHATSAPP_LIMITS.listRowsMax }, sectionsPath),
    );
  }
  const ids = new Set<string>();
  sections.forEach((section, s) => {
    const at = [...sectionsPath, s];
    const title = section.title ?? '';
    if (sections.length > 1 && title.trim() === '') {
      issues.push(issue('limit.list.section_title_missing', { section: s + 1 }, [...at, 'title']));
    } else if (title.length > WHATSAPP_LIMITS.listSectionTitle) {
      issues.push(
        issue(
          'limit.list.section_title',
          { title, length: title.length, max: WHATSAPP_LIMITS.listSectionTitle },
          [...at, 'title'],
        ),
      );
    }
    if (section.rows.length === 0)
      issues.push(issue('limit.list.rows_none', { section: s + 1 }, [...at, 'rows']));
    section.rows.forEach((row, r) => {
      const rowAt = [...at, 'rows', r];
      const rowTitle = row.title;
      if (rowTitle.trim() === '') {
        issues.push(issue('limit.list.row_title_empty', { section: s + 1, row: r + 1 }, [...rowAt, 'title']));
      } else if (rowTitle.length > WHATSAPP_LIMITS.listRowTitle) {
        issues.push(
          issue(
            'limit.list.row_title',
            { title: rowTitle, length: rowTitle.length, max: WHATSAPP_LIMITS.listRowTitle },
            [...rowAt, 'title'],
          ),
        );
      }
      const description = row.description ?? '';
      if (description.length > WHATSAPP_LIMITS.listRowDescription) {
        issues.push(
          issue(
            'limit.list.row_description',
            { title: rowTitle, length: description.length, max: WHATSAPP_LIMITS.listRowDescription },
            [...rowAt, 'description'],
          ),
        );
      }
      if (row.id === undefined) return;
      if (row.id.length > WHATSAPP_LIMITS.listRowId) {
        issues.push(
          issue(
            'limit.list.row_id',
            { title: rowTitle, length: row.id.length, max: WHATSAPP_LIMITS.listRowId },
            [...rowAt, 'id'],
          ),
        );
      }
      if (ids.has(row.id))
        issues.push(issue('limit.list.row_id_duplicate', { id: row.id }, [...rowAt, 'id']));
      ids.add(row.id);
    });
  });
  return issues;
}
