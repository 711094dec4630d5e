import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface PricingDeadLetter {
  jobId: string;
  orderId: string;
  submissionId: string;
  code: string;
  reason: string;
  attempts: number;
  failedAt: string;
  retryRequestedAt: string | null;
  retryRequestedBy: string | null;
}

interface DeadLetterRow {
  job_id: string;
  order_id: string;
  submission_id: string;
  code: string;
  reason: string;
  attempts: number;
  failed_at: Date;
  retry_requested_at: Date | null;
  retry_requested_by: string | null;
}

/** The only code that touches pricing_dead_letters. */
@Injectable()
export class DeadLettersRepository {
  constructor(private readonly db: DataSource) {}

  /** Once per job: the dead-letter worker and the final attempt may both report the same job. */
  async record(letter: Omit<PricingDeadLetter, 'failedAt' | 'retryRequestedAt' | 'retryRequestedBy'>): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO pricing_dead_letters (job_id, order_id, submission_id, code, reason, attempts)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (job_id) DO NOTHING RETURNING job_id`,
      [letter.jobId, letter.orderId, letter.submissionId, letter.code, letter.reason, letter.attempts],
    );
    return rows.length > 0;
  }

  /** Newest first; `open` only: not retried yet. */
  async list(options: { open: boolean; limit: number }): Promise<PricingDeadLetter[]> {
    const rows: DeadLetterRow[] = await this.db.query(
      `SELECT * FROM pricing_dead_letters ${options.open ? 'WHERE retry_requested_at IS NULL' : ''} ORDER BY failed_at DESC LIMIT $1`,
      [options.limit],
    );
    return rows.map(toLetter);
  }

  async find(jobId: string): Promise<PricingDeadLetter | null> {
    const rows: DeadLetterRow[] = await this.db.query('SELECT * FROM pricing_dead_letters WHERE job_id = $1', [jobId]);
    return rows[0] ? toLetter(rows[0]) : null;
  }

  async markRetried(jobId: string, by: string): Promise<void> {
    await this.db.query('UPDATE pricing_dead_letters SET retry_requested_at = now(), retry_requested_by = $2 WHERE job_id = $1', [jobId, by]);
  }

  async countOpen(): Promise<number> {
    const rows: Array<{ count: string }> = await this.db.query('SELECT count(*) AS count FROM pricing_dead_letters WHERE retry_requested_at IS NULL');
    return Number(rows[0]?.count ?? 0);
  }
}

function toLetter(row: DeadLetterRow): PricingDeadLetter {
  return {
    jobId: row.job_id,
    orderId: row.order_id,
    submissionId: row.submission_id,
    code: row.code,
    reason: row.reason,
    attempts: row.attempts,
    failedAt: row.failed_at.toISOString(),
    retryRequestedAt: row.retry_requested_at?.toISOString() ?? null,
    retryRequestedBy: row.retry_requested_by,
  };
}
