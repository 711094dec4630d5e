import { setTimeout as sleep } from 'node:timers/promises';

export interface UntilOptions {
  /** How long to keep trying (default 10 s). */
  timeoutMs?: number;
  /** The pause between tries (default 20 ms). */
  intervalMs?: number;
  /** Said after the failure message, e.g. the tail of a process's output or the last error seen. */
  diagnostics?: () => string;
}

/**
 * The one polling helper of the tests: calls `probe` until it returns a value
 * other than undefined or false and answers that value; fails after the
 * timeout, saying what did not happen.
 */
export async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what = 'condition', options: number | UntilOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20, diagnostics } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const detail = diagnostics?.();
      throw new Error(`${what}: not reached within ${timeoutMs} ms${detail ? `\n${detail.slice(-4000)}` : ''}`);
    }
    await sleep(intervalMs);
  }
}
