import { performance } from 'node:perf_hooks';
import { analyzeModel } from '../geometry/analyze';
import type { GeometryResult, GeometryTask } from './geometry-task';

/**
 * Runs in a piscina worker thread: the CPU-heavy geometry work never blocks
 * the HTTP event loop, and a calculation past PRICING_TIMEOUT_S is stopped by
 * terminating this thread.
 */
export default function analyzeGeometry(task: GeometryTask): GeometryResult {
  const started = performance.now();
  task.started?.postMessage('started');
  if (task.testDelayMs > 0) {
    // Blocks the thread the way a pathological model would: only termination stops it.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, task.testDelayMs);
  }
  const analysis = analyzeModel(task.bytes, task.limits);
  return {
    ok: analysis.ok,
    format: analysis.format,
    triangleCount: analysis.triangleCount,
    volumeMm3: analysis.volumeMm3,
    surfaceAreaMm2: analysis.surfaceAreaMm2,
    shellCount: analysis.shellCount,
    issues: analysis.issues.map(({ code, severity, message, count }) => ({ code, severity, message, count })),
    durationMs: performance.now() - started,
  };
}
