import { describe, expect, it } from 'vitest';
import { configIssuesOf, portsOf, runNodeForTest } from '../testing.js';
import { template } from './template.js';

describe('template', () => {
  it('parses defaults and leaves by next', async () => {
    expect(configIssuesOf(template)).toEqual([]);
    expect(portsOf(template).map((port) => port.id)).toEqual(['next']);
    expect((await runNodeForTest(template)).result).toEqual({
      messages: [{ type: 'template', name: 'hello_world', language: 'en_US', bodyParams: [] }],
      next: { port: 'next' },
    });
  });

  it('sends rendered body and header parameters in order', async () => {
    const { result } = await runNodeForTest(template, {
      config: {
        name: 'order_update',
        language: 'en',
        bodyParams: ['{{name}}', '{{order}}'],
        headerParams: ['Order {{order}}'],
      },
      vars: { name: 'Dana', order: '4471' },
    });
    expect(result.messages).toEqual([
      {
        type: 'template',
        name: 'order_update',
        language: 'en',
        bodyParams: ['Dana', '4471'],
        headerParams: ['Order 4471'],
      },
    ]);
  });

  it('cuts parameters that grew past the limit once rendered', async () => {
    const { result } = await runNodeForTest(template, {
      config: { bodyParams: ['{{long}}'] },
      vars: { long: 'x'.repeat(2000) },
    });
    const sent = result.messages?.[0];
    expect(sent?.type === 'template' && sent.bodyParams?.[0]?.length).toBe(1024);
  });

  it('rejects bad names, languages, empty and over-long parameters', () => {
    expect(configIssuesOf(template, { name: 'Order Update' })[0]?.message).toBe(
      'Template names use lowercase letters, digits and _ only',
    );
    expect(configIssuesOf(template, { language: 'english' })[0]?.path).toEqual(['language']);
    expect(configIssuesOf(template, { bodyParams: [''] })[0]?.message).toBe(
      'Body parameter {{1}} is empty; WhatsApp refuses empty parameters',
    );
    expect(configIssuesOf(template, { headerParams: ['x'.repeat(61)] })[0]?.message).toBe(
      'A header parameter is 61 characters; WhatsApp allows 60',
    );
  });
});
