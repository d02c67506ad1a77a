import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gcPauseMs, SERVER_NODE_FLAGS, startChild } from './processes.js';

// A child that logs like the server (pino JSON lines), an error line split across two writes.
const script = `
const out = (text) => new Promise((resolve) => process.stdout.write(text, resolve));
const later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  await out('{"level":"error","msg":"before ready"}\\n');
  await out('READY 4321\\n');
  await later(50);
  await out('{"level":"warn","msg":"only a warning"}\\n{"level":"err');
  await later(50);
  await out('or","msg":"store \\\\"down\\\\""}\\n');
  process.stderr.write('{"level":"fatal","msg":"gone"}\\nplain text mentioning "level":"info"\\n');
  setInterval(() => {}, 1000);
})();
`;

describe('startChild', () => {
  it("counts the child's error and fatal log lines, across writes and both streams", async () => {
    const child = await startChild(process.execPath, ['-e', script], process.env, /READY (\d+)/, 'logger');
    try {
      await expect.poll(() => child.loggedErrors().count).toBe(3);
      expect(child.loggedErrors().first).toEqual(['before ready', 'store "down"', 'gone']);
    } finally {
      await child.stop();
    }
  });
});

describe('SERVER_NODE_FLAGS', () => {
  it('are the flags `npm start` runs the server with, so the benchmark measures what users run', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      scripts: { start: string };
    };
    const start = pkg.scripts.start.split(' ');
    const nodeFlags = start.slice(start.indexOf('node') + 1).filter((word) => word.startsWith('--'));
    expect(nodeFlags).toEqual(SERVER_NODE_FLAGS);
  });
});

describe('gcPauseMs', () => {
  it('sums every kind of pause the server reports, and is null when it reports none', () => {
    const metrics = [
      '# TYPE parley_gc_pause_seconds_total counter',
      'parley_gc_pause_seconds_total{kind="major"} 0.25',
      'parley_gc_pause_seconds_total{kind="minor"} 1.5',
      'parley_gc_pauses_total{kind="minor"} 300',
      '',
    ].join('\n');
    expect(gcPauseMs(metrics)).toBe(1750);
    expect(gcPauseMs('parley_gc_pause_seconds_total 0\n')).toBe(0);
    expect(gcPauseMs('parley_event_loop_busy_seconds 2\n')).toBeNull();
  });
});
