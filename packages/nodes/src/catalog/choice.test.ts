import { describe, expect, it } from 'vitest';
import { configIssuesOf, inbound, portsOf, runNodeForTest } from '../testing.js';
import { choice } from './choice.js';

const three = [
  { id: 'opt-menu', title: 'See the menu' },
  { id: 'opt-hours', title: 'Opening hours' },
  { id: 'opt-human', title: 'Talk to us' },
];
const pizzas = ['Margherita', 'Pepperoni', 'Hawaiian', 'Veggie', 'Four cheese'].map((title, index) => ({
  id: `opt-p${index}`,
  title,
  description: `Pizza ${index + 1}`,
}));
const twelve = Array.from({ length: 12 }, (_, index) => ({
  id: `opt-${index}`,
  title: `Option ${index + 1}`,
}));

describe('choice', () => {
  it('parses defaults, with one port per option plus fallback', () => {
    expect(configIssuesOf(choice)).toEqual([]);
    expect(portsOf(choice).map((port) => port.id)).toEqual(['opt-yes', 'opt-no', 'fallback']);
    expect(portsOf(choice, { options: three }).map((port) => [port.id, port.label])).toEqual([
      ['opt-menu', 'See the menu'],
      ['opt-hours', 'Opening hours'],
      ['opt-human', 'Talk to us'],
      ['fallback', 'No match'],
    ]);
  });

  it('shows up to 3 short options as reply buttons, with header and footer', async () => {
    const { result } = await runNodeForTest(choice, {
      config: { question: 'Hi {{name}}!', options: three, header: 'Welcome', footer: 'Reply anytime' },
      vars: { name: 'Ada' },
    });
    expect(result.next).toEqual({ wait: 'reply' });
    expect(result.messages).toEqual([
      {
        type: 'buttons',
        body: 'Hi Ada!',
        header: 'Welcome',
        footer: 'Reply anytime',
        buttons: three.map(({ id, title }) => ({ id, title })),
      },
    ]);
  });

  it('shows more than 3 options as a list, grouped in sections', async () => {
    const sectioned = pizzas.map((pizza, index) => ({
      ...pizza,
      section: index < 2 ? 'Classics' : 'Specials',
    }));
    const { result } = await runNodeForTest(choice, {
      config: { question: 'Which pizza?', options: sectioned, buttonLabel: 'Pizzas' },
    });
    expect(result.messages).toEqual([
      {
        type: 'list',
        body: 'Which pizza?',
        buttonLabel: 'Pizzas',
        sections: [
          {
            title: 'Classics',
            rows: sectioned.slice(0, 2).map(({ id, title, description }) => ({ id, title, description })),
          },
          {
            title: 'Specials',
            rows: sectioned.slice(2).map(({ id, title, description }) => ({ id, title, description })),
          },
        ],
      },
    ]);
  });

  it('falls back to numbered text beyond 10 options or with long titles', async () => {
    const { result } = await runNodeForTest(choice, { config: { question: 'Pick one', options: twelve } });
    expect(result.messages).toHaveLength(1);
    const text = result.messages?.[0];
    expect(text?.type).toBe('text');
    expect(text?.type === 'text' && text.text).toContain('1. Option 1\n2. Option 2');
    expect(text?.type === 'text' && text.text).toContain('12. Option 12');
    const longTitles = await runNodeForTest(choice, {
      config: { options: [{ id: 'a', title: 'A title longer than twenty-four' }] },
    });
    expect(longTitles.result.messages?.[0]?.type).toBe('text');
  });

  it('uses a forced display, and the linter checks that form’s limits', async () => {
    const forced = await runNodeForTest(choice, { config: { options: three, display: 'list' } });
    expect(forced.result.messages?.[0]?.type).toBe('list');
    expect(configIssuesOf(choice, { options: pizzas, display: 'buttons' })).toContainEqual({
      path: ['options'],
      message: 'Reply buttons allow 3 options; this question has 5. Use a list instead',
      severity: 'error',
    });
    expect(
      configIssuesOf(choice, { options: [{ id: 'a', title: 'Twenty-one characters' }], display: 'buttons' }),
    ).toContainEqual({
      path: ['options', 0, 'title'],
      message: "Button 1's title is 21 characters; WhatsApp allows 20",
      severity: 'error',
    });
    expect(configIssuesOf(choice, { options: twelve, display: 'list' })[0]?.message).toBe(
      'A list allows 10 options in total; this question has 12. Use numbered text instead',
    );
    expect(configIssuesOf(choice, { options: twelve, display: 'text' })).toEqual([]);
  });

  it('rejects schema-level problems with readable messages', () => {
    expect(configIssuesOf(choice, { options: [] })).toEqual([
      { path: ['options'], message: 'Add at least one option', severity: 'error' },
    ]);
    expect(configIssuesOf(choice, { header: 'h'.repeat(61) })[0]?.message).toBe(
      'The header is 61 characters; WhatsApp allows 60',
    );
    expect(configIssuesOf(choice, { options: [{ id: 'fallback', title: 'x' }] })[0]?.message).toBe(
      '"fallback" is reserved for the no-match exit',
    );
    expect(configIssuesOf(choice, { options: [{ id: 'has space', title: 'x' }] })[0]?.path).toEqual([
      'options',
      0,
      'id',
    ]);
  });

  it('matches a reply by tapped id, by title and by number, and stores id and title', async () => {
    const config = { options: pizzas, variable: 'pizza' };
    const tapped = await runNodeForTest(choice, { config, input: inbound.listRow('opt-p1', 'Pepperoni') });
    expect(tapped.result).toEqual({
      set: { pizza: { id: 'opt-p1', title: 'Pepperoni' } },
      next: { port: 'opt-p1' },
    });
    const typed = await runNodeForTest(choice, { config, input: inbound.text('  four   CHEESE ') });
    expect(typed.result.next).toEqual({ port: 'opt-p4' });
    const numbered = await runNodeForTest(choice, { config, input: inbound.text('3.') });
    expect(numbered.result.next).toEqual({ port: 'opt-p2' });
    const button = await runNodeForTest(choice, {
      config: { options: three },
      input: inbound.button('opt-hours', 'Opening hours'),
    });
    expect(button.result).toEqual({
      set: { choice: { id: 'opt-hours', title: 'Opening hours' } },
      next: { port: 'opt-hours' },
    });
  });

  it('leaves by fallback when nothing matches, after the configured retries', async () => {
    const noRetry = await runNodeForTest(choice, {
      config: { options: three },
      input: inbound.text('pizza?'),
    });
    expect(noRetry.result).toEqual({ next: { port: 'fallback' } });
    const outOfRange = await runNodeForTest(choice, { config: { options: three }, input: inbound.text('7') });
    expect(outOfRange.result.next).toEqual({ port: 'fallback' });
    const config = { options: three, retries: 1, retryMessage: 'Please tap a button' };
    const first = await runNodeForTest(choice, { config, input: inbound.text('??') });
    expect(first.result.next).toEqual({ wait: 'reply' });
    expect(first.result.nodeState).toEqual({ attempts: 1 });
    expect(first.result.messages?.map((sent) => sent.type)).toEqual(['text', 'buttons']);
    const second = await runNodeForTest(choice, {
      config,
      input: inbound.text('??'),
      nodeState: first.result.nodeState,
    });
    expect(second.result).toEqual({ next: { port: 'fallback' } });
  });

  it('never sends an empty question or title when variables render empty', async () => {
    const { result } = await runNodeForTest(choice, {
      config: { question: '{{missing}}', options: [{ id: 'opt-a', title: '{{missing}}' }] },
    });
    expect(result.messages).toEqual([
      { type: 'buttons', body: 'Please choose:', buttons: [{ id: 'opt-a', title: 'opt-a' }] },
    ]);
  });

  it('works out the messages of a config without templates once, and hands out a fresh list each run', async () => {
    const config = choice.config.parse({ question: 'Which pizza?', options: pizzas });
    const context = { config, rawConfig: config } as unknown as Parameters<typeof choice.run>[0];
    const first = await choice.run(context);
    const second = await choice.run(context);
    const { result: rendered } = await runNodeForTest(choice, {
      config: { question: 'Which pizza?', options: pizzas },
    });
    expect(first.messages).toEqual(rendered.messages);
    expect(second.messages).toEqual(first.messages);
    expect(second.messages).not.toBe(first.messages);
    // The kept messages are shared between conversations: changing one must fail loudly.
    expect(() => {
      (first.messages![0] as { body: string }).body = 'changed';
    }).toThrow(TypeError);
  });
});
