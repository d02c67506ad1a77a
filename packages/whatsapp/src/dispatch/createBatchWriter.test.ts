import { describe, expect, it } from 'vitest';
import { createBatchWriter } from './createBatchWriter.js';

describe('createBatchWriter', () => {
  it('sends the first write at once and gathers the ones that arrive meanwhile into one call', async () => {
    const calls: number[][] = [];
    let release: () => void = () => undefined;
    const writer = createBatchWriter<number>(async (items) => {
      calls.push(items);
      if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = writer.write([1]);
    const rest = [writer.write([2]), writer.write([3, 4]), writer.write([5])];
    expect(calls).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('rejects exactly the callers whose batch failed; later writes go through', async () => {
    let fail = true;
    const writer = createBatchWriter<string>(async () => {
      await Promise.resolve();
      if (fail) throw new Error('disk full');
    });
    const a = writer.write(['a']);
    await expect(a).rejects.toThrow('disk full');
    fail = false;
    await expect(writer.write(['b'])).resolves.toBeUndefined();
  });

  it('splits batches at maxItems and flush() waits for all of them', async () => {
    const calls: number[][] = [];
    const writer = createBatchWriter<number>(
      async (items) => {
        calls.push(items);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      { maxItems: 2 },
    );
    for (let i = 0; i < 5; i += 1) void writer.write([i]);
    await writer.flush();
    expect(calls).toEqual([[0], [1, 2], [3, 4]]);
  });
});
