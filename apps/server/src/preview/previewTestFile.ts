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

/**
 * Turns a preview chat into `flows/<id>.test.json` content: each user message starts a turn
 * that expects exactly the bot messages that followed it.
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
    turns: turns.filter((t) => t.user !== undefined),
  };
}
