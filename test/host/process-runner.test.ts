import { describe, expect, it } from 'vitest';
import { spawnRunner } from '../../src/host/process-runner.js';

describe('spawnRunner', () => {
  it('captures output and the exit code of a failing process as a value', async () => {
    const r = await spawnRunner(['bash', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
  });

  it('answers 127 for a program that does not exist, without throwing', async () => {
    const r = await spawnRunner(['/no/such/program']);
    expect(r.exitCode).toBe(127);
  });

  it('ends a running process when its signal aborts, long before it would have finished', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const started = Date.now();
    const r = await spawnRunner(['sleep', '30'], { signal: abort.signal });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.signal).toBe('SIGTERM');
  });

  it('does not start anything useful when the signal is already aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    const r = await spawnRunner(['bash', '-c', 'sleep 30; echo never'], { signal: abort.signal });
    expect(r.stdout).toBe('');
    expect(r.signal).toBe('SIGTERM');
  });
});
