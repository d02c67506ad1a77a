import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLEAR_SEMI_SPACE_FLAG } from './threadHeaps.js';

/**
 * Runs a process started like `npm start` (32 MB semi-spaces) with a worker whose
 * `resourceLimits` ask for a 12 MB young generation; the worker makes short-lived garbage and
 * reports its young generation's size. Returns that size, in MB.
 */
function workerYoungGenerationMb(clearFlag: boolean): number {
  const script = `
    const { Worker } = require('node:worker_threads');
    if (${clearFlag}) require('node:v8').setFlagsFromString(${JSON.stringify(CLEAR_SEMI_SPACE_FLAG)});
    const code = \`
      const v8 = require('node:v8');
      let keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ i, text: 'x' + i }); if (keep.length > 50000) keep = []; }
      const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      require('node:worker_threads').parentPort.postMessage(young.space_size);
    \`;
    const worker = new Worker(code, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 12 } });
    worker.on('message', (bytes) => { process.stdout.write(String(bytes)); worker.terminate(); });
  `;
  const out = execFileSync(process.execPath, ['--max-semi-space-size=32', '-e', script], {
    encoding: 'utf8',
  });
  return Number(out) / 2 ** 20;
}

describe('letThreadsSizeTheirHeaps', () => {
  it('gives worker threads the young generation they ask for, not the event loop’s', () => {
    // The premise: under the process-wide flag a worker's own limit is ignored.
    expect(workerYoungGenerationMb(false)).toBeGreaterThanOrEqual(32);
    expect(workerYoungGenerationMb(true)).toBeLessThanOrEqual(8);
  });
});
