import { describe, expect, it } from 'vitest';
import { WHATSAPP_LIMITS } from '../whatsappLimits.js';
import { checkList, checkReplyButtons, checkTextLength } from './checkWhatsAppLimits.js';

const codes = (issues: { code?: string; path: unknown[] }[]) =>
  issues.map((i) => `${i.code} @ ${i.path.join('.')}`);

describe('checkReplyButtons', () => {
  it('accepts up to three short, distinct buttons', () => {
    expect(
      checkReplyButtons([{ id: 'a', title: 'Small' }, { id: 'b', title: 'Medium' }, { title: 'Large' }]),
    ).toEqual([]);
  });

  it('says which button is too long, in words', () => {
    const issues = checkReplyButtons([{ id: 'y', title: 'Yes, please confirm my order' }], ['options']);
    expect(issues).toEqual([
      {
        code: 'limit.button.title',
        severity: 'error',
        path: ['options', 0, 'title'],
        message: `Button 'Yes, please confirm my order' is 28 characters; WhatsApp allows ${WHATSAPP_LIMITS.replyButtonTitle}.`,
      },
    ]);
  });

  it('catches count, empty, duplicate titles and ids, long ids', () => {
    const issues = checkReplyButtons([
      { id: 'a', title: 'One' },
      { id: 'a', title: ' One ' },
      { id: 'x'.repeat(WHATSAPP_LIMITS.replyButtonId + 1), title: '' },
      { title: 'Four' },
    ]);
    expect(codes(issues)).toEqual([
      'limit.buttons.too_many @ buttons',
      'limit.button.title_duplicate @ buttons.1.title',
      'limit.button.id_duplicate @ buttons.1.id',
      'limit.button.title_empty @ buttons.2.title',
      'limit.button.id @ buttons.2.id',
    ]);
    expect(codes(checkReplyButtons([]))).toEqual(['limit.buttons.none @ buttons']);
  });
});

describe('checkList', () => {
  const row = (n: number) => ({ id: `r${n}`, title: `Row ${n}` });

  it('accepts a valid list', () => {
    expect(
      checkList({ buttonLabel: 'Menu', sections: [{ title: 'Pizzas', rows: [row(1), row(2)] }] }),
    ).toEqual([]);
    expect(checkList({ buttonLabel: 'Menu', sections: [{ rows: [row(1)] }] })).toEqual([]);
  });

  it('counts rows across all sections', () => {
    const issues = checkList({
      buttonLabel: 'Menu',
      sections: [
        { title: 'A', rows: [1, 2, 3, 4, 5, 6].map(row) },
        { title: 'B', rows: [7, 8, 9, 10, 11].map(row) },
      ],
    });
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'limit.list.rows_too_many',
        path: ['sections'],
        message: 'This list has 11 rows in all; WhatsApp allows 10 across all sections.',
      }),
    ]);
  });

  it('checks every length, count and id rule, with paths', () => {
    const issues = checkList(
      {
        buttonLabel: 'Choose your favourite pizza',
        sections: [
          { rows: [{ id: 'a', title: 'A very long pizza name indeed', description: 'd'.repeat(73) }] },
          {
            title: 'S'.repeat(25),
            rows: [
              { id: 'a', title: ' ' },
              { id: 'i'.repeat(201), title: 'ok' },
            ],
          },
          { title: 'Empty', rows: [] },
        ],
      },
      ['list'],
    );
    expect(codes(issues)).toEqual([
      'limit.list.button_label @ list.buttonLabel',
      'limit.list.section_title_missing @ list.sections.0.title',
      'limit.list.row_title @ list.sections.0.rows.0.title',
      'limit.list.row_description @ list.sections.0.rows.0.description',
      'limit.list.section_title @ list.sections.1.title',
      'limit.list.row_title_empty @ list.sections.1.rows.0.title',
      'limit.list.row_id_duplicate @ list.sections.1.rows.0.id',
      'limit.list.row_id @ list.sections.1.rows.1.id',
      'limit.list.rows_none @ list.sections.2.rows',
    ]);
    const many = Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: [row(i)] }));
    expect(codes(checkList({ buttonLabel: '', sections: many }))).toEqual([
      'limit.list.button_label_empty @ buttonLabel',
      'limit.list.sections_too_many @ sections',
      'limit.list.rows_too_many @ sections',
    ]);
    expect(codes(checkList({ buttonLabel: 'x', sections: [] }))).toEqual([
      'limit.list.sections_none @ sections',
    ]);
  });
});

describe('checkTextLength', () => {
  it('reads the limit from the table', () => {
    expect(checkTextLength('x'.repeat(WHATSAPP_LIMITS.footerText), 'footerText', ['footer'])).toEqual([]);
    expect(checkTextLength(undefined, 'footerText', ['footer'])).toEqual([]);
    expect(checkTextLength('x'.repeat(61), 'footerText', ['footer'])).toEqual([
      {
        code: 'limit.text.too_long',
        severity: 'error',
        path: ['footer'],
        message: 'The footer is 61 characters; WhatsApp allows 60.',
      },
    ]);
    expect(
      checkTextLength('x'.repeat(1025), 'mediaCaption', ['caption'], 'The photo caption')[0]?.message,
    ).toBe('The photo caption is 1025 characters; WhatsApp allows 1024.');
  });
});
