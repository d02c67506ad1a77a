import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createKeyedSerialQueue } from './createKeyedSerialQueue.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createKeyedSerialQueue', () => {
  it('runs one key in order and different keys in parallel', async () => {
    const queue = createKeyedSerialQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      queue.run('a', task('a1', 30)),
      queue.run('a', task('a2', 1)),
      queue.run('b', task('b1', 5)),
    ]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(queue.size()).toBe(0);
  });

  it('keeps going after a failed task, passing the failure to its caller', async () => {
    const queue = createKeyedSerialQueue();
    const failed = queue.run('a', () => Promise.reject(new Error('nope')));
    const next = queue.run('a', () => 'fine');
    await expect(failed).rejects.toThrow('nope');
    await expect(next).resolves.toBe('fine');
  });

  it('never interleaves tasks of one key, whatever the timing (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 3 })), { maxLength: 20 }),
        async (tasks) => {
          const queue = createKeyedSerialQueue();
          const running = new Set<string>();
          const order: Record<string, number[]> = {};
          await Promise.all(
            tasks.map(([key, ms], index) =>
              queue.run(key, async () => {
                if (running.has(key)) throw new Error(`two tasks of ${key} at once`);
                running.add(key);
                await tick(ms);
                (order[key] ??= []).push(index);
                running.delete(key);
              }),
            ),
          );
          for (const indexes of Object.values(order))
            expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
          await queue.idle();
        },
      ),
      { numRuns: 25 },
    );
  });
});
