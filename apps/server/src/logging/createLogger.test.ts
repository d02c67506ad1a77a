import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, hashUserId, logConversationKey } from './createLogger.js';

function collect() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON lines and redacts tokens, secrets and message content', () => {
    const { lines, destination } = collect();
    const log = createLogger({ destination, level: 'info' });
    log.info(
      {
        requestId: 'r1',
        accessToken: 'EAAG-secret-token',
        password: 'hunter2hunter2',
        headers: { authorization: 'Bearer parley_pat_abc', cookie: 'parley_session=xyz' },
        message: { type: 'text', text: 'my card number is 4111' },
        event: { text: 'hello there', vars: { email: 'a@b.c' } },
        waId: '31612345678',
      },
      'handled',
    );
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed.level).toBe('info');
    expect(parsed.requestId).toBe('r1');
    expect(parsed.msg).toBe('handled');
    for (const secret of [
      'EAAG-secret-token',
      'hunter2',
      'parley_pat_abc',
      'xyz',
      '4111',
      'hello there',
      'a@b.c',
      '31612345678',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('"type":"text"');
  });

  it('respects the level', () => {
    const { lines, destination } = collect();
    const log = createLogger({ destination, level: 'warn' });
    log.info('quiet');
    log.warn('loud');
    expect(lines).toHaveLength(1);
  });
});

describe('hashUserId', () => {
  it('is stable per key, differs across keys and hides the number', () => {
    const a = hashUserId('31612345678', 'k1');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(hashUserId('31612345678', 'k1')).toBe(a);
    expect(hashUserId('31612345678', 'k2')).not.toBe(a);
    expect(hashUserId('31612345679', 'k1')).not.toBe(a);
    expect(a).not.toContain('3161');
  });

  it('keeps the phone number id of a conversation key and hashes the user', () => {
    const key = logConversationKey('1055:31612345678', 'k');
    expect(key).toBe(`1055:${hashUserId('31612345678', 'k')}`);
  });
});
