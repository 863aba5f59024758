import { describe, expect, it } from 'vitest';
import { type BatchOutcome, WorkQueue } from '../../src/runtime/work-queue.js';

describe('work queue', () => {
  it('coalesces a storm of 10 000 events into a handful of batches', async () => {
    const batches: string[][] = [];
    const q = new WorkQueue(
      async (ids) => {
        batches.push(ids);
        await new Promise((r) => setTimeout(r, 5));
        return undefined;
      },
      { debounceMs: 10 },
    );
    for (let i = 0; i < 10_000; i++) q.add(`file:/etc/f${i % 100}`);
    await q.idle();
    expect(batches.length).toBeLessThanOrEqual(2);
    expect(new Set(batches.flat()).size).toBe(100);
  });

  it('runs one batch at a time and picks up ids added while running', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const seen: string[][] = [];
    const q = new WorkQueue(
      async (ids) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        seen.push(ids);
        await new Promise((r) => setTimeout(r, 20));
        concurrent--;
        return undefined;
      },
      { debounceMs: 1 },
    );
    q.add('a');
    await new Promise((r) => setTimeout(r, 5));
    q.add('b');
    q.add('a');
    await q.idle();
    expect(maxConcurrent).toBe(1);
    expect(seen).toEqual([['a'], ['a', 'b']]);
  });

  it('retries failed ids with backoff until they succeed', async () => {
    let calls = 0;
    const q = new WorkQueue(
      async (ids): Promise<BatchOutcome> => {
        calls++;
        return new Map(ids.map((id) => [id, calls < 3 ? 'retry' : 'ok']));
      },
      { debounceMs: 1, baseRetryMs: 5 },
    );
    q.add('x');
    const deadline = Date.now() + 2000;
    while (calls < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await q.idle();
    expect(calls).toBe(3);
  });

  it('stops taking work after stop()', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(
      async (ids) => {
        seen.push(...ids);
        return undefined;
      },
      { debounceMs: 50 },
    );
    q.add('a');
    await q.stop();
    q.add('b');
    await new Promise((r) => setTimeout(r, 80));
    expect(seen).toEqual([]);
  });
});
