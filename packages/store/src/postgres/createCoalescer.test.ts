import { describe, expect, it } from 'vitest';
import { createCoalescer } from './createCoalescer.js';

/** A runner whose batches the test releases by hand. */
function gatedRunner() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  const run = async (inputs: number[]) => {
    batches.push([...inputs]);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (inputs.includes(13)) throw new Error('unlucky');
    return inputs.map((n) => n * 10);
  };
  const release = async () => {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()!();
  };
  return { batches, run, release };
}

describe('createCoalescer', () => {
  it('runs calls of one tick together, and calls made during a batch as the next one', async () => {
    const { batches, run, release } = gatedRunner();
    const call = createCoalescer(run);
    const first = [call(1), call(2)];
    await release(); // batch [1, 2] is in flight until released; 3 and 4 arrive meanwhile
    const second = [call(3), call(4)];
    expect(await Promise.all(first)).toEqual([10, 20]);
    await release();
    expect(await Promise.all(second)).toEqual([30, 40]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('never lets a call join a batch that already started', async () => {
    const { batches, run, release } = gatedRunner();
    const call = createCoalescer(run);
    const a = call(1);
    await new Promise((resolve) => setImmediate(resolve)); // batch [1] started
    const b = call(2);
    await release();
    await release();
    expect(await Promise.all([a, b])).toEqual([10, 20]);
    expect(batches).toEqual([[1], [2]]);
  });

  it('keeps inputs that cannot share a statement apart, and caps the batch size', async () => {
    const { batches, run, release } = gatedRunner();
    const call = createCoalescer(run, { maxBatch: 2, canJoin: (batch, n) => !batch.includes(n) });
    const all = Promise.all([call(1), call(1), call(2), call(3)]);
    await release();
    await release();
    expect(await all).toEqual([10, 10, 20, 30]);
    expect(batches).toEqual([
      [1, 2],
      [1, 3],
    ]);
  });

  it('runs a failed batch again one by one, so only the bad input fails', async () => {
    const { run, release } = gatedRunner();
    const call = createCoalescer(run, {
      runOne: async (n) => {
        if (n === 13) throw new Error('unlucky alone');
        return n * 10;
      },
    });
    const results = Promise.allSettled([call(12), call(13), call(14)]);
    await release();
    expect((await results).map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      120,
      'Error: unlucky alone',
      140,
    ]);
  });

  it('without a one-by-one runner, every caller of a failed batch gets the error', async () => {
    const { run, release } = gatedRunner();
    const call = createCoalescer(run);
    const results = Promise.allSettled([call(12), call(13)]);
    await release();
    expect((await results).map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
