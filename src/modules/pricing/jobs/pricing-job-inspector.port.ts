/** What the pricing queue knows about the order's current submission. */
export interface PricingJobSnapshot {
  jobId: string;
  /** Queue state as the job store names it (created, retry, active, completed, failed, cancelled). */
  state: string;
  /** true when the job sits in the dead-letter queue. */
  deadLettered: boolean;
  attempt: number;
  maxAttempts: number;
  lastError: string | null;
  nextRetryAt: string | null;
}

/**
 * What support needs from the pricing queue, as a port: the pricing module
 * owns the jobs and provides it (PgBossPricingJobInspector); support only
 * asks, through the pricing module's index.ts.
 */
export abstract class PricingJobInspector {
  /** The job of this order's submission, or null when the queue has none. */
  abstract findJob(orderId: string, submissionId: string): Promise<PricingJobSnapshot | null>;
}
