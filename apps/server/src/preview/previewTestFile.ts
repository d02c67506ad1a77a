import type { OutboundMessage } from '@parley/flow';
import type { PreviewEvent } from '../http/services.js';

type Expectation = Record<string, unknown>;
type Turn = { user?: unknown; bot: Expectation[] };

/** What a flow test expects of one bot message (the runtime's flow test format). */
function expectationOf(message: unknown): Expectation | null {
  const m = message as OutboundMessage | undefined;
  if (!m || typeof m !== 'object' || !('type' in m)) return null;
  switch (m.type) {
    case 'text':
      return { text: m.text };
    case 'buttons':
      return { buttons: m.buttons.map((b) => b.title), body: m.body };
    case 'list':
      return { list: m.sections.flatMap((s) => s.rows.map((r) => r.title)), body: m.body };
    case 'template':
      return { template: m.name };
    case 'media':
      return { media: m.mediaKind };
    default:
      return { type: m.type };
  }
}

/** What the user did, in the flow test format: typed text, a tapped button, a chosen row, a location. */
function userInputOf(message: unknown): unknown {
  const m = message as Record<string, unknown> | undefined;
  if (!m) return undefined;
  if (typeof m.text === 'string') return m.text;
  if (typeof m.buttonId === 'string') return { button: m.title ?? m.buttonId };
  if (typeof m.rowId === 'string') return { list: m.title ?? m.rowId };
  if (m.location && typeof m.location === 'object') return { location: m.location };
  return undefined;
}

/** The name the preview's simulated user has on WhatsApp (flows greet it by `contact.name`). */
export const PREVIEW_CONTACT_NAME = 'Preview';

/**
 * Turns a preview chat into `flows/<id>.test.json` content: each user message starts a turn
 * that expects exactly the bot messages that followed it. The test runs as the same contact
 * the preview chatted as, so greetings by name match.
 */
export function previewToTestFile(flowId: string, events: PreviewEvent[]): Record<string, unknown> {
  const turns: Turn[] = [];
  let current: Turn | null = null;
  for (const event of events) {
    if (event.kind === 'user') {
      current = { user: userInputOf(event.message), bot: [] };
      turns.push(current);
    } else if (event.kind === 'bot' && current) {
      const expectation = expectationOf(event.message);
      if (expectation) current.bot.push(expectation);
    }
  }
  return {
    flow: flowId,
    description: 'Recorded in the builder preview.',
    contact: { name: PREVIEW_CONTACT_NAME },
    turns: turns.filter((t) => t.user !== undefined),
  };
}

const RECORDED_CASE = 'Recorded in the builder preview';

/**
 * Adds a recorded preview (from `previewToTestFile`) to the test file already on disk, as a
 * new case, so saving a preview never wipes tests someone wrote by hand. A single-`turns` file
 * becomes a `cases` file keeping its turns as the first case. `existing` undefined: a new file.
 * Returns null when the existing file is not a test file this can extend (left untouched).
 */
export function mergePreviewTest(
  existing: unknown,
  recorded: Record<string, unknown>,
): Record<string, unknown> | null {
  if (existing === undefined) return recorded;
  if (!existing || typeof existing !== 'object' || Array.isArray(existing)) return null;
  const file = { ...(existing as Record<string, unknown>) };
  let cases: Array<Record<string, unknown>>;
  if (Array.isArray(file.cases)) {
    cases = [...(file.cases as Array<Record<string, unknown>>)];
  } else if (Array.isArray(file.turns)) {
    const { turns, contact, http } = file;
    cases = [
      {
        name: typeof file.description === 'string' && file.description ? file.description : 'Existing test',
        ...(contact ? { contact } : {}),
        ...(http ? { http } : {}),
        turns,
      },
    ];
    delete file.turns;
    delete file.contact;
    delete file.http;
  } else {
    return null;
  }
  const names = new Set(cases.map((c) => c.name));
  let name = RECORDED_CASE;
  for (let n = 2; names.has(name); n++) name = `${RECORDED_CASE} (${n})`;
  cases.push({ name, contact: recorded.contact, turns: recorded.turns });
  return { ...file, cases };
}
