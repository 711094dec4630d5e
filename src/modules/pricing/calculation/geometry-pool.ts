import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { GeometryResult, GeometryTask } from './geometry-task';

export class CalculationTimeoutError extends Error {
  override readonly name = 'CalculationTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`the calculation took longer than ${timeoutMs / 1000} s and was stopped`);
  }
}

export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError';
}

export interface GeometryPoolOptions {
  /** Threads: bounded by the cores. */
  maxThreads: number;
  /** Hard limit of one calculation; past it the worker thread is terminated. */
  timeoutMs: number;
  testDelayMs: number;
  /** The deployment's jewellery limits; a call may narrow them further. */
  limits?: GeometryTask['limits'];
}

/**
 * Worker threads for the geometry (piscina). A timed-out calculation is
 * aborted, which makes piscina terminate its thread: the time limit is
 * enforced, not merely awaited.
 */
export class GeometryPool {
  private readonly pool: Piscina<GeometryTask, GeometryResult>;

  constructor(private readonly options: GeometryPoolOptions) {
    this.pool = new Piscina({ filename: workerFile(), maxThreads: options.maxThreads, minThreads: 1, idleTimeout: 60_000 });
  }

  get threads(): number {
    return this.options.maxThreads;
  }

  /** Tasks waiting for a free thread. */
  get queueSize(): number {
    return this.pool.queueSize;
  }

  async analyze(bytes: Uint8Array, limits: GeometryTask['limits']): Promise<GeometryResult> {
    // A copy we own, so the buffer can be transferred to the thread instead of copied there.
    const owned = new Uint8Array(bytes);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new CalculationTimeoutError(this.options.timeoutMs)), this.options.timeoutMs);
    try {
      return await this.pool.run(
        { bytes: owned, limits: { ...this.options.limits, ...limits }, testDelayMs: this.options.testDelayMs },
        { signal: controller.signal, transferList: [owned.buffer] },
      );
    } catch (error) {
      if (controller.signal.aborted) throw new CalculationTimeoutError(this.options.timeoutMs);
      throw new WorkerCrashedError(`the pricing worker thread failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** The compiled worker next to this file, or the TypeScript shim when running from sources. */
function workerFile(): string {
  const compiled = join(__dirname, 'pricing.worker.js');
  return existsSync(compiled) ? compiled : join(__dirname, 'ts-worker-shim.js');
}
