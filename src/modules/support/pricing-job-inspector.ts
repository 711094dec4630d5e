import type { PricingJobSnapshot } from './diagnosis/diagnose';

/**
 * What support needs from the pricing queue, as a port: the pricing module
 * provides it (it owns the jobs); support only asks and requests retries.
 */
export abstract class PricingJobInspector {
  /** The job of this order's submission, or null when the queue has none. */
  abstract findJob(orderId: string, submissionId: string): Promise<PricingJobSnapshot | null>;
}
