import { describe, expect, it } from 'vitest';
import { configIssuesOf, inbound, portsOf, runNodeForTest } from '../testing.js';
import { start } from './start.js';

const parse = (data: unknown) => start.config.parse(data);

describe('start', () => {
  it('parses defaults: any message starts the flow', () => {
    expect(parse({})).toEqual({ mode: 'any', keywords: [], match: 'exact', caseSensitive: false });
    expect(start.matchesTrigger?.(parse({}), inbound.text('anything'))).toBe(true);
    expect(configIssuesOf(start)).toEqual([]);
  });

  it('leaves by next', async () => {
    expect(portsOf(start).map((port) => port.id)).toEqual(['next']);
    expect((await runNodeForTest(start)).result).toEqual({ next: { port: 'next' } });
  });

  it('matches exact keywords, ignoring case and spaces by default', () => {
    const config = parse({ mode: 'keywords', keywords: ['Hello', 'hi there'] });
    expect(start.matchesTrigger?.(config, inbound.text('  HELLO '))).toBe(true);
    expect(start.matchesTrigger?.(config, inbound.text('hi   there'))).toBe(true);
    expect(start.matchesTrigger?.(config, inbound.text('hello you'))).toBe(false);
    expect(start.matchesTrigger?.(config, inbound.media('image'))).toBe(false);
  });

  it('matches contained keywords and honours case sensitivity', () => {
    const config = parse({ mode: 'keywords', keywords: ['Order'], match: 'contains', caseSensitive: true });
    expect(start.matchesTrigger?.(config, inbound.text('my Order please'))).toBe(true);
    expect(start.matchesTrigger?.(config, inbound.text('my order please'))).toBe(false);
  });

  it('matches regex keywords, and tapped titles', () => {
    const config = parse({ mode: 'keywords', keywords: ['^order\\s*#?\\d+$'], match: 'regex' });
    expect(start.matchesTrigger?.(config, inbound.text('ORDER #42'))).toBe(true);
    expect(start.matchesTrigger?.(config, inbound.text('order forty'))).toBe(false);
    const support = parse({ mode: 'keywords', keywords: ['support'] });
    expect(start.matchesTrigger?.(support, inbound.button('b1', 'Support'))).toBe(true);
    const campaign = parse({ mode: 'keywords', keywords: ['promo_spring'] });
    expect(start.matchesTrigger?.(campaign, inbound.button('promo_spring', 'Tell me more'))).toBe(true);
    expect(start.matchesTrigger?.(campaign, inbound.button('other', 'Tell me more'))).toBe(false);
  });

  it('rejects keyword mode without keywords, and unsafe patterns', () => {
    expect(configIssuesOf(start, { mode: 'keywords' })).toEqual([
      { path: ['keywords'], message: 'Add at least one keyword, or start on any message', severity: 'error' },
    ]);
    expect(configIssuesOf(start, { mode: 'keywords', match: 'regex', keywords: ['(a+)+'] })[0]).toMatchObject(
      {
        path: ['keywords', 0],
        message: expect.stringContaining('repeats a group'),
      },
    );
    expect(configIssuesOf(start, { keywords: [''] })[0]).toMatchObject({
      path: ['keywords', 0],
      message: 'A keyword cannot be empty',
    });
  });
});
