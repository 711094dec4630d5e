import { Injectable } from '@nestjs/common';
import { Database } from '../../../infrastructure/database/database';
import { PRICING_DEAD_QUEUE, PRICING_QUEUE } from './pricing-job';

export interface PricingJobRow {
  id: string;
  name: string;
  state: string;
  retry_count: number;
  start_after: Date;
  output: { message?: string } | null;
}

/**
 * The newest pg-boss job of one submission (a support retry makes a newer one), in the
 * pricing queue or its dead-letter queue. pg-boss's table is the pricing module's: the
 * queue is (PricingQueue). Small: finished jobs are archived.
 * $1 order id, $2 submission id, $3 text[] queue names.
 */
export const NEWEST_JOB_OF_SUBMISSION = {
  name: 'pricing_newest_job_of_submission',
  text: `SELECT id, name, state, retry_count, start_after, output
           FROM pgboss.job
          WHERE name = ANY($3::text[]) AND data->>'orderId' = $1 AND data->>'submissionId' = $2
          ORDER BY created_on DESC
          LIMIT 1`,
};

/** Pricing's reads of pg-boss's job table (the queue's writes go through pg-boss's own API). */
@Injectable()
export class PricingJobsRepository {
  constructor(private readonly db: Database) {}

  async newestJobOf(orderId: string, submissionId: string): Promise<PricingJobRow | null> {
    const [job] = await this.db.query<PricingJobRow>(NEWEST_JOB_OF_SUBMISSION, [orderId, submissionId, [PRICING_QUEUE, PRICING_DEAD_QUEUE]]);
    return job ?? null;
  }
}
