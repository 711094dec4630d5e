import { Injectable } from '@nestjs/common';
import { Database } from '../../../infrastructure/database/database';

export type QuoteStatus = 'pending' | 'done' | 'rejected' | 'failed';

export interface QuoteRecord {
  id: string;
  partnerId: string;
  material: string;
  status: QuoteStatus;
  result: Record<string, unknown> | null;
  error: { code: string; message: string; details?: Record<string, unknown> } | null;
  createdAt: string;
  deadlineAt: string;
  finishedAt: string | null;
}

interface QuoteRow {
  id: string;
  partner_id: string;
  material: string;
  status: QuoteStatus;
  result: Record<string, unknown> | null;
  error: QuoteRecord['error'];
  created_at: Date;
  deadline_at: Date;
  finished_at: Date | null;
}

const INSERT_PENDING_QUOTE = {
  name: 'pricing_insert_pending_quote',
  text: `INSERT INTO pricing_quotes (id, partner_id, material, status, deadline_at) VALUES ($1, $2, $3, 'pending', $4)`,
};
const FINISH_QUOTE = {
  name: 'pricing_finish_quote',
  text: `UPDATE pricing_quotes SET status = $2, result = $3, error = $4, finished_at = now() WHERE id = $1 AND status = 'pending'`,
};
const EXTEND_QUOTE_DEADLINES = {
  name: 'pricing_extend_quote_deadlines',
  text: `UPDATE pricing_quotes SET deadline_at = $2 WHERE id = ANY($1::uuid[]) AND status = 'pending'`,
};
const FIND_QUOTE = { name: 'pricing_find_quote', text: 'SELECT * FROM pricing_quotes WHERE id = $1' };
const DELETE_OLD_QUOTES = { name: 'pricing_delete_old_quotes', text: 'DELETE FROM pricing_quotes WHERE created_at < now() - make_interval(hours => $1)' };

/** The only code that touches pricing_quotes. */
@Injectable()
export class QuotesRepository {
  constructor(private readonly db: Database) {}

  async insertPending(quote: { id: string; partnerId: string; material: string; deadlineAt: Date }): Promise<void> {
    await this.db.query(INSERT_PENDING_QUOTE, [quote.id, quote.partnerId, quote.material, quote.deadlineAt]);
  }

  async finish(id: string, status: Exclude<QuoteStatus, 'pending'>, payload: { result?: unknown; error?: unknown }): Promise<void> {
    await this.db.query(FINISH_QUOTE, [
      id,
      status,
      payload.result === undefined ? null : JSON.stringify(payload.result),
      payload.error === undefined ? null : JSON.stringify(payload.error),
    ]);
  }

  /** The process computing these quotes is alive: their deadline moves to `deadlineAt`. */
  async extendDeadlines(ids: string[], deadlineAt: Date): Promise<void> {
    await this.db.query(EXTEND_QUOTE_DEADLINES, [ids, deadlineAt]);
  }

  async find(id: string): Promise<QuoteRecord | null> {
    const rows = await this.db.query<QuoteRow>(FIND_QUOTE, [id]);
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      partnerId: row.partner_id,
      material: row.material,
      status: row.status,
      result: row.result,
      error: row.error,
      createdAt: row.created_at.toISOString(),
      deadlineAt: row.deadline_at.toISOString(),
      finishedAt: row.finished_at?.toISOString() ?? null,
    };
  }

  /** Quotes are answers, not records: a day is plenty to fetch one. */
  async deleteOlderThan(hours: number): Promise<void> {
    await this.db.query(DELETE_OLD_QUOTES, [hours]);
  }
}
