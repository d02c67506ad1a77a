import { describe, expect, it } from 'vitest';
import { configIssuesOf, inbound, portsOf, runNodeForTest } from '../testing.js';
import { ask } from './ask.js';

async function answer(validation: unknown, input: ReturnType<typeof inbound.text>) {
  return (await runNodeForTest(ask, { config: { variable: 'value', validation }, input })).result;
}

describe('ask', () => {
  it('parses defaults, asks the question and waits', async () => {
    expect(configIssuesOf(ask)).toEqual([]);
    expect(portsOf(ask).map((port) => port.id)).toEqual(['next', 'invalid']);
    const { result } = await runNodeForTest(ask, {
      config: { question: 'Your name, {{title}}?' },
      vars: { title: 'please' },
    });
    expect(result).toEqual({
      messages: [{ type: 'text', text: 'Your name, please?' }],
      next: { wait: 'reply' },
    });
  });

  it('saves valid text, trimmed, within length limits', async () => {
    expect(await answer({ type: 'text', minLength: 2, maxLength: 10 }, inbound.text('  Ada  '))).toEqual({
      set: { value: 'Ada' },
      next: { port: 'next' },
    });
    expect((await answer({ type: 'text', minLength: 2, maxLength: 10 }, inbound.text('A'))).next).toEqual({
      wait: 'reply',
    });
  });

  it('validates numbers with min, max and whole numbers', async () => {
    const rule = { type: 'number', min: 1, max: 20, integer: true };
    expect((await answer(rule, inbound.text('3'))).set).toEqual({ value: 3 });
    expect((await answer({ type: 'number' }, inbound.text('1,5'))).set).toEqual({ value: 1.5 });
    expect((await answer({ type: 'number' }, inbound.text('1,200.50'))).set).toEqual({ value: 1200.5 });
    for (const wrong of ['0', '21', '2.5', 'three', ''])
      expect((await answer(rule, inbound.text(wrong))).next).toEqual({ wait: 'reply' });
  });

  it('validates email, phone and date', async () => {
    expect((await answer({ type: 'email' }, inbound.text('Ada@Example.com'))).set).toEqual({
      value: 'ada@example.com',
    });
    expect((await answer({ type: 'email' }, inbound.text('ada@example'))).next).toEqual({ wait: 'reply' });
    expect((await answer({ type: 'phone' }, inbound.text('+44 20 7946 0958'))).set).toEqual({
      value: '+442079460958',
    });
    expect((await answer({ type: 'phone' }, inbound.text('12ab'))).next).toEqual({ wait: 'reply' });
    expect((await answer({ type: 'date', order: 'dmy' }, inbound.text('31/12/2026'))).set).toEqual({
      value: '2026-12-31',
    });
    expect((await answer({ type: 'date', order: 'mdy' }, inbound.text('12/31/26'))).set).toEqual({
      value: '2026-12-31',
    });
    expect((await answer({ type: 'date' }, inbound.text('2026-02-30'))).next).toEqual({ wait: 'reply' });
  });

  it('validates a choice among values, a regex, media and location', async () => {
    expect((await answer({ type: 'choice', values: ['Small', 'Large'] }, inbound.text('large'))).set).toEqual(
      { value: 'Large' },
    );
    expect((await answer({ type: 'choice', values: ['Small'] }, inbound.text('medium'))).next).toEqual({
      wait: 'reply',
    });
    expect(
      (await answer({ type: 'regex', pattern: '^[A-Z]{2}\\d{4}$' }, inbound.text('ab1234'))).set,
    ).toEqual({ value: 'ab1234' });
    expect(
      (
        await answer(
          { type: 'regex', pattern: '^[A-Z]{2}\\d{4}$', caseSensitive: true },
          inbound.text('ab1234'),
        )
      ).next,
    ).toEqual({ wait: 'reply' });
    expect((await answer({ type: 'media', kinds: ['image'] }, inbound.media('image', 'm1'))).set).toEqual({
      value: { kind: 'image', mediaId: 'm1' },
    });
    expect((await answer({ type: 'media', kinds: ['image'] }, inbound.media('video'))).next).toEqual({
      wait: 'reply',
    });
    expect((await answer({ type: 'media' }, inbound.text('here'))).next).toEqual({ wait: 'reply' });
    expect((await answer({ type: 'location' }, inbound.location(51.5, -0.12))).set).toEqual({
      value: { latitude: 51.5, longitude: -0.12 },
    });
  });

  it('re-asks with the retry message up to maxRetries, then leaves by invalid', async () => {
    const config = { validation: { type: 'number' }, maxRetries: 2, retryMessage: 'A number, please' };
    const first = await runNodeForTest(ask, { config, input: inbound.text('x') });
    expect(first.result).toEqual({
      messages: [{ type: 'text', text: 'A number, please' }],
      nodeState: { attempts: 1 },
      next: { wait: 'reply' },
    });
    const second = await runNodeForTest(ask, {
      config,
      input: inbound.text('x'),
      nodeState: first.result.nodeState,
    });
    expect(second.result.nodeState).toEqual({ attempts: 2 });
    const third = await runNodeForTest(ask, {
      config,
      input: inbound.text('x'),
      nodeState: second.result.nodeState,
    });
    expect(third.result).toEqual({ next: { port: 'invalid' } });
  });

  it('rejects impossible or unsafe validation settings', () => {
    expect(configIssuesOf(ask, { validation: { type: 'number', min: 5, max: 1 } })).toEqual([
      {
        path: ['validation', 'min'],
        message: 'The smallest number is larger than the largest',
        severity: 'error',
      },
    ]);
    expect(configIssuesOf(ask, { validation: { type: 'regex', pattern: '(\\d+)*' } })[0]?.message).toMatch(
      /repeats a group/,
    );
    expect(configIssuesOf(ask, { validation: { type: 'choice', values: [] } })[0]).toMatchObject({
      path: ['validation', 'values'],
      message: 'Add at least one value',
    });
    expect(configIssuesOf(ask, { variable: '1st' })[0]?.message).toMatch(/letters, digits and _/);
    expect(configIssuesOf(ask, { maxRetries: 11 })[0]).toMatchObject({
      path: ['maxRetries'],
      message: 'Use a value of at most 10',
    });
  });
});
