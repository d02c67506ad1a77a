import { describe, expect, it } from 'vitest';
import { ConversationLog, type RecordedMessage } from './conversationLog.js';

const message = (userId: string, n: number, direction: 'user' | 'bot' = 'bot'): RecordedMessage => ({
  direction,
  wamid: `wamid.${userId}.${n}`,
  userId,
  phoneNumberId: 'p',
  at: n,
  type: 'text',
  payload: {},
});

describe('ConversationLog', () => {
  it('merges a phone and a BSUID into one user, whichever comes first', () => {
    const log = new ConversationLog();
    const first = log.upsertUser({ waId: '+15550001' });
    const second = log.upsertUser({ waId: '15550001', bsuid: 'US.1', name: 'Ana' });
    expect(second.key).toBe(first.key);
    expect(log.resolve('US.1')).toBe(first.key);
    expect(log.resolve('+15550001')).toBe(first.key);
    expect(log.user(first.key)).toMatchObject({ waId: '15550001', bsuid: 'US.1', name: 'Ana' });
    expect(() => log.upsertUser({})).toThrow('waId or a bsuid');
  });

  it('keeps at most maxMessagesPerUser, dropping the oldest and keeping the cursor right', () => {
    const log = new ConversationLog({ maxMessagesPerUser: 3 });
    const got: string[][] = [];
    log.upsertUser({ waId: '1' });
    log.add(message('1', 1));
    log.waitForBot('1', 1, (m) => got.push(m.map((x) => x.wamid)));
    for (const n of [2, 3, 4, 5]) log.add(message('1', n));
    expect(log.list('1').map((m) => m.at)).toEqual([3, 4, 5]);
    expect(log.get('wamid.1.1')).toBeUndefined();
    log.waitForBot('1', 3, (m) => got.push(m.map((x) => x.wamid)));
    expect(got).toEqual([['wamid.1.1'], ['wamid.1.3', 'wamid.1.4', 'wamid.1.5']]);
  });

  it('marks earlier user messages read, stopping at ones already read', () => {
    const log = new ConversationLog();
    log.upsertUser({ waId: '1' });
    const msgs = [1, 2, 3, 4].map((n) => message('1', n, 'user'));
    msgs.forEach((m) => log.add(m));
    log.markReadUpTo(msgs[1] as RecordedMessage);
    expect(msgs.map((m) => Boolean(m.markedRead))).toEqual([true, true, false, false]);
    log.markReadUpTo(msgs[3] as RecordedMessage);
    expect(msgs.every((m) => m.markedRead)).toBe(true);
  });
});
