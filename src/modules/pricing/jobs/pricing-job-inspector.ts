import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PricingJobInspector, type PricingJobSnapshot } from './pricing-job-inspector.port';
import { PRICING_DEAD_QUEUE, PRICING_MAX_ATTEMPTS, PRICING_QUEUE } from './pricing-job';

interface JobRow {
  id: string;
  name: string;
  state: string;
  retry_count: number;
  start_after: Date;
  output: { message?: string } | null;
}

/**
 * Support's view of the pricing queue: the newest pg-boss job of the
 * order's submission (a support retry makes a newer one) and whether the
 * pricing module dead-lettered it. Reads pg-boss's own table, which is
 * small: finished jobs are archived.
 */
@Injectable()
export class PgBossPricingJobInspector extends PricingJobInspector {
  constructor(private readonly db: DataSource) {
    super();
  }

  async findJob(orderId: string, submissionId: string): Promise<PricingJobSnapshot | null> {
    const [job] = await this.db.query<JobRow[]>(
      `SELECT id, name, state, retry_count, start_after, output
         FROM pgboss.job
        WHERE name = ANY($3::text[]) AND data->>'orderId' = $1 AND data->>'submissionId' = $2
        ORDER BY created_on DESC
        LIMIT 1`,
      [orderId, submissionId, [PRICING_QUEUE, PRICING_DEAD_QUEUE]],
    );
    const [letter] = await this.db.query<Array<{ job_id: string; reason: string; attempts: number }>>(
      `SELECT job_id, reason, attempts FROM pricing_dead_letters
        WHERE order_id = $1 AND submission_id = $2 AND retry_requested_at IS NULL
        ORDER BY failed_at DESC LIMIT 1`,
      [orderId, submissionId],
    );
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
