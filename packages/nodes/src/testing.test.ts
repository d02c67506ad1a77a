import { describe, expect, it } from 'vitest';
import { message } from './catalog/message.js';
import { http } from './catalog/http.js';
import { choice } from './catalog/choice.js';
import { InvalidTestConfigError, runNodeForTest, TEST_NOW, inbound } from './testing.js';
import { defineNode } from './defineNode.js';
import { z } from 'zod';

describe('runNodeForTest', () => {
  it('hands the executor a fixed clock, the raw and rendered config, and records logs', async () => {
    const probe = defineNode({
      type: 'acme/probe',
      title: 'Probe',
      category: 'Logic',
      icon: 'x',
      description: 'Reports its context',
      config: z.object({
        text: z
          .string()
          .default('{{a}}')
          .meta({ ui: { widget: 'template' } }),
      }),
      ports: [{ id: 'next', label: 'Next' }] as const,
      run(ctx) {
        ctx.log.info('probing', { node: ctx.node.id });
        return {
          set: { now: ctx.now(), raw: ctx.rawConfig.text, text: ctx.config.text, r: ctx.render('{{a}}!') },
          next: { port: 'next' },
        };
      },
    });
    const { result, logs } = await runNodeForTest(probe, { vars: { a: 'A' } });
    expect(result.set).toEqual({ now: TEST_NOW, raw: '{{a}}', text: 'A', r: 'A!' });
    expect(logs).toEqual([{ level: 'info', message: 'probing', fields: { node: 'node-under-test' } }]);
  });

  it('throws a readable error for an invalid config, and for a reply to a node that does not wait', async () => {
    await expect(runNodeForTest(message, { config: { text: 'x'.repeat(5000) } })).rejects.toThrow(
      InvalidTestConfigError,
    );
    await expect(runNodeForTest(message, { config: { text: 'x'.repeat(5000) } })).rejects.toThrow(
      'Config for "message" is invalid: text: The message is 5000 characters; WhatsApp allows 4096',
    );
    await expect(runNodeForTest(message, { input: inbound.text('hi') })).rejects.toThrow(
      'does not wait for replies',
    );
    expect((await runNodeForTest(choice, { input: inbound.text('yes') })).result.next).toEqual({
      port: 'opt-yes',
    });
  });

  it('answers http requests with a default failure when the test gives none', async () => {
    const { result, requests } = await runNodeForTest(http, { config: { url: 'https://x.test' } });
    expect(requests).toHaveLength(1);
    expect(result.next).toEqual({ port: 'error' });
  });
});
