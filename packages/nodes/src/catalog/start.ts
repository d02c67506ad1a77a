import { z } from 'zod';
import { textOf } from '@parley/flow';
import { defineNode } from '../defineNode.js';
import { field } from '../fields.js';
import { checkPattern, safeTest } from '../support/safeRegex.js';
import { normalizeAnswer } from '../support/text.js';

const config = z.object({
  mode: z.enum(['any', 'keywords']).default('any').meta({
    title: 'Starts on',
    description: 'Any first message, or only messages matching a keyword',
  }),
  keywords: z
    .array(field.text({ label: 'A keyword', min: 1, max: 200 }))
    .max(50, { error: 'Use at most 50 keywords' })
    .default([])
    .meta({ title: 'Keywords', ui: { showIf: { field: 'mode', equals: 'keywords' } } }),
  match: z
    .enum(['exact', 'contains', 'regex'])
    .default('exact')
    .meta({ title: 'Match', ui: { showIf: { field: 'mode', equals: 'keywords' } } }),
  caseSensitive: z
    .boolean()
    .default(false)
    .meta({ title: 'Case-sensitive', ui: { showIf: { field: 'mode', equals: 'keywords' } } }),
});

type StartConfig = z.output<typeof config>;

function matchesKeyword(settings: StartConfig, keyword: string, text: string): boolean {
  if (settings.match === 'regex') return safeTest(keyword, settings.caseSensitive ? '' : 'i', text);
  const wanted = settings.caseSensitive ? keyword.trim() : normalizeAnswer(keyword);
  const said = settings.caseSensitive ? text.trim() : normalizeAnswer(text);
  return settings.match === 'exact' ? said === wanted : said.includes(wanted);
}

/** Where a conversation begins: on any first message, or on keywords (exact, contains or regex). */
export const start = defineNode({
  type: 'start',
  title: 'Start',
  category: 'Triggers',
  icon: 'play',
  description: 'Starts the flow on a first message, or only on chosen keywords.',
  trigger: true,
  config,
  ports: [{ id: 'next', label: 'Next' }] as const,
  summary: (settings) =>
    settings.mode === 'any' ? 'Any message' : `${settings.match}: ${settings.keywords.join(', ')}`,
  check(settings) {
    const issues: Array<{ path: (string | number)[]; message: string }> = [];
    if (settings.mode === 'keywords' && settings.keywords.length === 0) {
      issues.push({ path: ['keywords'], message: 'Add at least one keyword, or start on any message' });
    }
    if (settings.match === 'regex') {
      settings.keywords.forEach((keyword, index) => {
        const checked = checkPattern(keyword);
        if (!checked.ok) issues.push({ path: ['keywords', index], message: checked.message });
      });
    }
    return issues;
  },
  matchesTrigger(settings, input) {
    if (settings.mode === 'any') return true;
    // A template's quick-reply button carries its payload as the id: campaigns start flows with it.
    const texts = [textOf(input), ...(input.type === 'button_reply' ? [input.buttonId] : [])].filter(
      (text) => text.trim() !== '',
    );
    return texts.some((text) => settings.keywords.some((keyword) => matchesKeyword(settings, keyword, text)));
  },
  run: () => ({ next: { port: 'next' } }),
});
