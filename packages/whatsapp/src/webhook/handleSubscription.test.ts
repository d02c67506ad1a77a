import { describe, expect, it } from 'vitest';
import { handleSubscription } from './handleSubscription.js';

const query = (params: string) => new URLSearchParams(params);

describe('handleSubscription', () => {
  it('echoes the challenge as plain text when mode and token match', () => {
    expect(
      handleSubscription(query('hub.mode=subscribe&hub.verify_token=tok&hub.challenge=1158201444'), 'tok'),
    ).toEqual({
      status: 200,
      body: '1158201444',
      contentType: 'text/plain',
    });
  });

  it('accepts a plain object query (Express req.query)', () => {
    const answer = handleSubscription(
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': 'x' },
      'tok',
    );
    expect(answer).toMatchObject({ status: 200, body: 'x' });
  });

  it.each([
    ['wrong token', 'hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1'],
    ['token prefix', 'hub.mode=subscribe&hub.verify_token=to&hub.challenge=1'],
    ['wrong mode', 'hub.mode=unsubscribe&hub.verify_token=tok&hub.challenge=1'],
    ['missing mode', 'hub.verify_token=tok&hub.challenge=1'],
    ['missing token', 'hub.mode=subscribe&hub.challenge=1'],
    ['missing challenge', 'hub.mode=subscribe&hub.verify_token=tok'],
    ['rewritten keys', 'hub_mode=subscribe&hub_verify_token=tok&hub_challenge=1'],
    ['repeated token', 'hub.mode=subscribe&hub.verify_token=x&hub.verify_token=tok&hub.challenge=1'],
  ])('403 on %s', (_name, params) => {
    expect(handleSubscription(query(params), 'tok').status).toBe(403);
  });

  it('403 when no verify token is configured, even for an empty token', () => {
    expect(handleSubscription(query('hub.mode=subscribe&hub.verify_token=&hub.challenge=1'), '').status).toBe(
      403,
    );
  });
});
