import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` every 20 ms until it returns a value; fails after `timeoutMs`, saying what did not happen. */
export async function until<T>(probe: () => Promise<T | undefined>, what = 'condition', timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}
