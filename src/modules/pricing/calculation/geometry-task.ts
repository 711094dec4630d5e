import type { MessagePort } from 'node:worker_threads';
import type { ModelIssue } from '../geometry/model-issue';
import type { ModelLimits } from '../geometry/validate';

/** What the main thread sends a pricing worker thread: the model's bytes (transferred, not copied). */
export interface GeometryTask {
  bytes: Uint8Array;
  limits: Partial<ModelLimits>;
  /** PRICING_TEST_DELAY_MS: an artificial slow calculation for crash tests; always 0 in production. */
  testDelayMs: number;
  /** The worker posts on this port when it starts the calculation: the time limit counts from then. */
  started?: MessagePort;
}

/** What comes back: the numbers pricing needs and the issues the customer must fix. */
export interface GeometryResult {
  ok: boolean;
  format: string | null;
  triangleCount: number;
  volumeMm3: number;
  surfaceAreaMm2: number;
  shellCount: number;
  issues: Array<Pick<ModelIssue, 'code' | 'severity' | 'message' | 'count'>>;
  /** Time spent in the worker thread. */
  durationMs: number;
}
