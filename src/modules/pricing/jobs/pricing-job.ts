/** The payload of a pricing job: one per order submission (or per support retry request). */
export interface PricingJobData {
  orderId: string;
  submissionId: string;
  /** The job's own id (the submission id, or the id of the PricingRetryRequested event): also the dead letter's key. */
  jobId: string;
  /** Failed attempts the order's history already held when this job was enqueued (a support retry starts above 0). */
  priorAttempts: number;
  /** W3C traceparent of the request that caused the job (from the event's metadata): the pricing span continues its trace. */
  traceparent?: string;
}

export const PRICING_QUEUE = 'pricing';
/** Where pg-boss moves a job whose last attempt died without an answer (crash, expiry). */
export const PRICING_DEAD_QUEUE = 'pricing_dead';
/** 3 attempts in all. */
export const PRICING_MAX_ATTEMPTS = 3;
