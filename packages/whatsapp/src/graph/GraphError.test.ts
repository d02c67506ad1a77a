import { describe, expect, it } from 'vitest';
import { classifyGraphError, GraphError, parseGraphError } from './GraphError.js';

const envelope = (code: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    error: {
      message: `(#${code}) something`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details: 'why it failed' },
      error_subcode: 2494055,
      fbtrace_id: 'A1b2C3d4E5',
      ...extra,
    },
  });

describe('parseGraphError', () => {
  it('reads code, subcode, message, trace id, details and HTTP status', () => {
    const error = parseGraphError(400, envelope(131056));
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({
      code: 131056,
      subcode: 2494055,
      message: '(#131056) something',
      traceId: 'A1b2C3d4E5',
      details: 'why it failed',
      httpStatus: 400,
      type: 'OAuthException',
      transport: null,
      ambiguous: false,
    });
    expect(error.toChannelError()).toEqual({
      code: 131056,
      message: '(#131056) something',
      title: 'OAuthException',
      details: 'why it failed',
    });
  });

  it('survives bodies that are not Graph envelopes', () => {
    expect(parseGraphError(502, '<html>Bad gateway</html>')).toMatchObject({
      code: null,
      httpStatus: 502,
      transport: 'invalid_response',
    });
    expect(parseGraphError(500, '{"error":"flat string"}')).toMatchObject({ code: null, httpStatus: 500 });
    expect(parseGraphError(502, '').toChannelError().code).toBe(-502);
  });
});

describe('classifyGraphError', () => {
  const classify = (code: number, httpStatus = 400, extra: Record<string, unknown> = {}) =>
    classifyGraphError(parseGraphError(httpStatus, envelope(code, extra)));

  it.each([130429, 131056, 4, 80007, 131000, 131016, 131057, 1, 2])('%i → retry', (code) => {
    expect(classify(code)).toBe('retry');
  });

  it('131047 (outside the 24-hour window) → needs_template', () => {
    expect(classify(131047)).toBe('needs_template');
  });

  it.each([190, 0, 10, 200, 299, 131005])('%i → credentials', (code) => {
    expect(classify(code, 401)).toBe('credentials');
  });

  it.each([100, 131009, 131008, 131026, 131051, 131048, 131049, 131050, 368, 131031, 132000, 133010])(
    '%i → permanent',
    (code) => {
      expect(classify(code)).toBe('permanent');
    },
  );

  it('classifies by code, not by HTTP status; is_transient makes an unknown code retryable', () => {
    expect(classify(100, 500)).toBe('permanent');
    expect(classify(130429, 400)).toBe('retry');
    expect(classify(999999, 400, { is_transient: true })).toBe('retry');
  });

  it('without a code: 5xx, 429 and network errors retry; 4xx is permanent', () => {
    expect(classifyGraphError(parseGraphError(503, 'down'))).toBe('retry');
    expect(classifyGraphError(parseGraphError(429, ''))).toBe('retry');
    expect(classifyGraphError(parseGraphError(404, ''))).toBe('permanent');
    expect(classifyGraphError(new GraphError({ message: 'x', transport: 'network' }))).toBe('retry');
    expect(classifyGraphError(new GraphError({ message: 'x', transport: 'timeout', ambiguous: true }))).toBe(
      'retry',
    );
    expect(
      classifyGraphError(new GraphError({ message: 'x', code: 100, transport: 'local_validation' })),
    ).toBe('permanent');
  });

  it('classifies the channel errors of failed status webhooks too', () => {
    expect(classifyGraphError({ code: 131047 })).toBe('needs_template');
    expect(classifyGraphError({ code: 131000 })).toBe('retry');
    expect(classifyGraphError({ code: 131026 })).toBe('permanent');
  });
});
