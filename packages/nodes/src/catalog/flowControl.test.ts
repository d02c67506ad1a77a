import { describe, expect, it } from 'vitest';
import { configIssuesOf, portsOf, runNodeForTest } from '../testing.js';
import { delay } from './delay.js';
import { end } from './end.js';
import { goto } from './goto.js';
import { handoff } from './handoff.js';

describe('delay', () => {
  it('parses defaults and asks for a durable timer on next', async () => {
    expect(configIssuesOf(delay)).toEqual([]);
    expect(portsOf(delay).map((port) => port.id)).toEqual(['next']);
    expect((await runNodeForTest(delay)).result).toEqual({ next: { wait: 'timer', ms: 5000, port: 'next' } });
    expect(
      (await runNodeForTest(delay, { config: { amount: 2, unit: 'hours', typing: true } })).result,
    ).toEqual({
      typing: true,
      next: { wait: 'timer', ms: 7_200_000, port: 'next' },
    });
  });

  it('rejects delays over 30 days and warns past the 24-hour window', () => {
    expect(configIssuesOf(delay, { amount: 31, unit: 'days' })).toEqual([
      { path: ['amount'], message: 'A delay can be at most 30 days', severity: 'error' },
    ]);
    expect(configIssuesOf(delay, { amount: 2, unit: 'days' })[0]?.severity).toBe('warning');
    expect(configIssuesOf(delay, { amount: 0 })[0]).toMatchObject({
      path: ['amount'],
      message: 'Wait at least 1',
    });
    expect(configIssuesOf(delay, { amount: 1.5 })[0]).toMatchObject({
      path: ['amount'],
      message: 'Use a whole number',
    });
  });
});

describe('handoff', () => {
  it('tells the user, hands over and comes back by resumed', async () => {
    expect(configIssuesOf(handoff)).toEqual([]);
    expect(portsOf(handoff).map((port) => port.id)).toEqual(['resumed']);
    const { result } = await runNodeForTest(handoff, {
      config: { message: 'One moment {{name}}', team: 'Support' },
      vars: { name: 'Ada' },
    });
    expect(result).toEqual({
      messages: [{ type: 'text', text: 'One moment Ada' }],
      set: { handoff: { team: 'Support', note: null } },
      next: { handoff: true, port: 'resumed' },
    });
    expect((await runNodeForTest(handoff, { config: { message: '' } })).result.messages).toBeUndefined();
  });

  it('rejects an over-long message', () => {
    expect(configIssuesOf(handoff, { message: 'x'.repeat(4097) })[0]?.message).toBe(
      'The message is 4097 characters; WhatsApp allows 4096',
    );
  });
});

describe('goto', () => {
  it('jumps to a node or to another flow, with no ports', async () => {
    expect(portsOf(goto)).toEqual([]);
    expect(
      (await runNodeForTest(goto, { config: { target: { kind: 'node', nodeId: 'ask-1' } } })).result,
    ).toEqual({ next: { goto: { nodeId: 'ask-1' } } });
    expect(
      (await runNodeForTest(goto, { config: { target: { kind: 'flow', flowId: 'support' } } })).result,
    ).toEqual({
      next: { goto: { flowId: 'support' } },
    });
    expect(goto.jumpTargets?.(goto.config.parse({ target: { kind: 'node', nodeId: 'n1' } }))).toEqual(['n1']);
    expect(goto.jumpTargets?.(goto.config.parse({ target: { kind: 'flow', flowId: 'x' } }))).toEqual([]);
  });

  it('rejects a missing node and a malformed flow id', () => {
    expect(configIssuesOf(goto)).toEqual([
      { path: ['target', 'nodeId'], message: 'Pick a node', severity: 'error' },
    ]);
    expect(configIssuesOf(goto, { target: { kind: 'flow', flowId: 'Not Valid' } })[0]?.path).toEqual([
      'target',
      'flowId',
    ]);
  });
});

describe('end', () => {
  it('ends, with or without a closing message', async () => {
    expect(configIssuesOf(end)).toEqual([]);
    expect(portsOf(end)).toEqual([]);
    expect((await runNodeForTest(end)).result).toEqual({ next: { end: true } });
    expect(
      (await runNodeForTest(end, { config: { message: 'Bye {{name}}' }, vars: { name: 'Ada' } })).result,
    ).toEqual({
      messages: [{ type: 'text', text: 'Bye Ada' }],
      next: { end: true },
    });
  });

  it('rejects an over-long closing message', () => {
    expect(configIssuesOf(end, { message: 'x'.repeat(5000) })[0]?.path).toEqual(['message']);
  });
});
