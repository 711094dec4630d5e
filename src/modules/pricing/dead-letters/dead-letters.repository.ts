import { Injectable } from '@nestjs/common';
import { Database } from '../../../infrastructure/database/database';

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

const RECORD_DEAD_LETTER = {
  name: 'pricing_record_dead_letter',
  text: `INSERT INTO pricing_dead_letters (job_id, order_id, submission_id, code, reason, attempts)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (job_id) DO NOTHING RETURNING job_id`,
};
/** Newest first, open ones only (index pricing_dead_letters_open). */
export const LIST_OPEN_DEAD_LETTERS = {
  name: 'pricing_list_open_dead_letters',
  text: 'SELECT * FROM pricing_dead_letters WHERE retry_requested_at IS NULL ORDER BY failed_at DESC LIMIT $1',
};
const LIST_DEAD_LETTERS = { name: 'pricing_list_dead_letters', text: 'SELECT * FROM pricing_dead_letters ORDER BY failed_at DESC LIMIT $1' };
const FIND_DEAD_LETTER = { name: 'pricing_find_dead_letter', text: 'SELECT * FROM pricing_dead_letters WHERE job_id = $1' };
/** The newest letter of a submission that support has not retried yet (index pricing_dead_letters_order). */
export const OPEN_DEAD_LETTER_OF_SUBMISSION = {
  name: 'pricing_open_dead_letter_of_submission',
  text: `SELECT job_id, reason, attempts FROM pricing_dead_letters
          WHERE order_id = $1 AND submission_id = $2 AND retry_requested_at IS NULL
          ORDER BY failed_at DESC LIMIT 1`,
};
const MARK_DEAD_LETTER_RETRIED = {
  name: 'pricing_mark_dead_letter_retried',
  text: 'UPDATE pricing_dead_letters SET retry_requested_at = now(), retry_requested_by = $2 WHERE job_id = $1',
};
const COUNT_OPEN_DEAD_LETTERS = { name: 'pricing_count_open_dead_letters', text: 'SELECT count(*) AS count FROM pricing_dead_letters WHERE retry_requested_at IS NULL' };

/** The only code that touches pricing_dead_letters. */
@Injectable()
export class DeadLettersRepository {
  constructor(private readonly db: Database) {}

  /** Once per job: the dead-letter worker and the final attempt may both report the same job. */
  async record(letter: Omit<PricingDeadLetter, 'failedAt' | 'retryRequestedAt' | 'retryRequestedBy'>): Promise<boolean> {
    const rows = await this.db.query(RECORD_DEAD_LETTER, [letter.jobId, letter.orderId, letter.submissionId, letter.code, letter.reason, letter.attempts]);
    return rows.length > 0;
  }

  /** Newest first; `open` only: not retried yet. */
  async list(options: { open: boolean; limit: number }): Promise<PricingDeadLetter[]> {
    const rows = await this.db.query<DeadLetterRow>(options.open ? LIST_OPEN_DEAD_LETTERS : LIST_DEAD_LETTERS, [options.limit]);
    return rows.map(toLetter);
  }

  async find(jobId: string): Promise<PricingDeadLetter | null> {
    const rows = await this.db.query<DeadLetterRow>(FIND_DEAD_LETTER, [jobId]);
    return rows[0] ? toLetter(rows[0]) : null;
  }

  async markRetried(jobId: string, by: string): Promise<void> {
    await this.db.query(MARK_DEAD_LETTER_RETRIED, [jobId, by]);
  }

  /** The submission's newest letter that support has not retried yet (the job inspector's question). */
  async openLetterOf(orderId: string, submissionId: string): Promise<{ job_id: string; reason: string; attempts: number } | null> {
    const [letter] = await this.db.query<{ job_id: string; reason: string; attempts: number }>(OPEN_DEAD_LETTER_OF_SUBMISSION, [orderId, submissionId]);
    return letter ?? null;
  }

  async countOpen(): Promise<number> {
    const rows = await this.db.query<{ count: string }>(COUNT_OPEN_DEAD_LETTERS);
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
