import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
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
  /** Hard limit of one calculation, counted from the moment its thread starts it; past it the thread is terminated. */
  timeoutMs: number;
  testDelayMs: number;
  /** The deployment's jewellery limits; a call may narrow them further. */
  limits?: GeometryTask['limits'];
}

/** Orders (shop and partner) are priced before quotes: a customer waits on them, a quote can be polled. */
export type CalculationPriority = 'order' | 'quote';

/** The model's bytes, or a way to read them once a thread is free (a quote waits on disk, not in memory). */
export type ModelBytes = Uint8Array | (() => Promise<Uint8Array>);

interface Waiting {
  priority: CalculationPriority;
  start: () => void;
}

/**
 * Worker threads for the geometry (piscina), fed by a two-level queue of our
 * own: a task reaches piscina only when a thread is free for it, so
 * piscina's own queue stays empty. Orders always go first; quotes never
 * take the last thread while more than one exists, so an order arriving
 * behind a queue of large quotes waits for no quote at all (or, with one
 * thread, for the one being calculated). The time limit starts when the
 * worker thread starts the calculation (it says so through a MessagePort),
 * never while the task waits; a timed-out calculation is aborted, which
 * makes piscina terminate its thread: the limit is enforced, not merely awaited.
 */
export class GeometryPool {
  private readonly pool: Piscina<GeometryTask, GeometryResult>;
  private readonly waiting: { order: Waiting[]; quote: Waiting[] } = { order: [], quote: [] };
  private running = { order: 0, quote: 0 };

  constructor(private readonly options: GeometryPoolOptions) {
    this.pool = new Piscina({ filename: workerFile(), maxThreads: options.maxThreads, minThreads: 1, idleTimeout: 60_000 });
  }

  get threads(): number {
    return this.options.maxThreads;
  }

  /** Threads quotes may use at once: all but one, so an order finds a free thread. */
  get quoteThreads(): number {
    return Math.max(1, this.options.maxThreads - 1);
  }

  /** Tasks waiting for a free thread. */
  get queueSize(): number {
    return this.waiting.order.length + this.waiting.quote.length + this.pool.queueSize;
  }

  async analyze(bytes: ModelBytes, limits: GeometryTask['limits'], priority: CalculationPriority = 'order'): Promise<GeometryResult> {
    await this.slot(priority);
    try {
      const loaded = typeof bytes === 'function' ? await bytes() : bytes;
      return await this.calculate(loaded, limits);
    } finally {
      this.running[priority] -= 1;
      this.next();
    }
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }

  private slot(priority: CalculationPriority): Promise<void> {
    return new Promise((resolve) => {
      this.waiting[priority].push({ priority, start: resolve });
      this.next();
    });
  }

  /** Starts waiting tasks while threads are free: orders first, quotes within their share. */
  private next(): void {
    for (;;) {
      if (this.running.order + this.running.quote >= this.options.maxThreads) return;
      const task = this.waiting.order.shift() ?? (this.running.quote < this.quoteThreads ? this.waiting.quote.shift() : undefined);
      if (!task) return;
      this.running[task.priority] += 1;
      task.start();
    }
  }

  private async calculate(bytes: Uint8Array, limits: GeometryTask['limits']): Promise<GeometryResult> {
    // A copy we own, so the buffer can be transferred to the thread instead of copied there.
    const owned = new Uint8Array(bytes);
    const controller = new AbortController();
    // The worker posts on this port when it starts the calculation: the clock starts then, not while a thread spawns.
    const { port1: started, port2: startedPort } = new MessageChannel();
    let timer: NodeJS.Timeout | undefined;
    started.once('message', () => {
      timer = setTimeout(() => controller.abort(new CalculationTimeoutError(this.options.timeoutMs)), this.options.timeoutMs);
    });
    try {
      return await this.pool.run(
        { bytes: owned, limits: { ...this.options.limits, ...limits }, testDelayMs: this.options.testDelayMs, started: startedPort },
        { signal: controller.signal, transferList: [owned.buffer, startedPort] },
      );
    } catch (error) {
      if (controller.signal.aborted) throw new CalculationTimeoutError(this.options.timeoutMs);
      throw new WorkerCrashedError(`the pricing worker thread failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
      started.close();
    }
  }
}

/** The compiled worker next to this file, or the TypeScript shim when running from sources. */
function workerFile(): string {
  const compiled = join(__dirname, 'pricing.worker.js');
  return existsSync(compiled) ? compiled : join(__dirname, 'ts-worker-shim.js');
}
