import { Injectable } from '@nestjs/common';
import { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import { PricingJobInspector, type PricingJobSnapshot } from './pricing-job-inspector.port';
import { PRICING_DEAD_QUEUE, PRICING_MAX_ATTEMPTS } from './pricing-job';
import { PricingJobsRepository } from './pricing-jobs.repository';

/**
 * Support's view of the pricing queue: the newest pg-boss job of the
 * order's submission (a support retry makes a newer one) and whether the
 * pricing module dead-lettered it.
 */
@Injectable()
export class PgBossPricingJobInspector extends PricingJobInspector {
  constructor(
    private readonly jobs: PricingJobsRepository,
    private readonly deadLetters: DeadLettersRepository,
  ) {
    super();
  }

  async findJob(orderId: string, submissionId: string): Promise<PricingJobSnapshot | null> {
    const job = await this.jobs.newestJobOf(orderId, submissionId);
    const letter = await this.deadLetters.openLetterOf(orderId, submissionId);
    if (!job && !letter) return null;
    if (letter && (!job || job.id === letter.job_id)) {
      return {
        jobId: letter.job_id,
        state: job?.state ?? 'failed',
        deadLettered: true,
        attempt: letter.attempts,
        maxAttempts: PRICING_MAX_ATTEMPTS,
        lastError: letter.reason,
        nextRetryAt: null,
      };
    }
    // pg-boss counts retries when it hands a job out again: a job waiting in 'retry' after its first failure still says 0.
    const attempt = job!.state === 'created' ? 0 : job!.retry_count + 1;
    return {
      jobId: job!.id,
      state: job!.state,
      deadLettered: job!.name === PRICING_DEAD_QUEUE,
      attempt,
      maxAttempts: PRICING_MAX_ATTEMPTS,
      lastError: job!.output?.message ?? null,
      nextRetryAt: job!.state === 'retry' ? job!.start_after.toISOString() : null,
    };
  }
}
