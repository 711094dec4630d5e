import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'completed'; fingerprint: string; statusCode: number; response: unknown }
  | { kind: 'in_flight'; fingerprint: string };

/** No request runs this long; a claim this old without a response was left by a crashed process. */
const ABANDONED_CLAIM_SECONDS = 30;

/** The only code that touches http_idempotency_keys. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Claims (scope, key) for a new request, or tells what the first request with that key did. */
  async claim(scope: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    // A claim still open after ABANDONED_CLAIM_SECONDS belongs to a process that died mid-request (a graceful
    // shutdown finishes its requests): the retry takes it over instead of hearing "in progress" until cleanup.
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO http_idempotency_keys (scope, key, fingerprint) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO UPDATE SET created_at = now()
         WHERE http_idempotency_keys.status_code IS NULL AND http_idempotency_keys.fingerprint = EXCLUDED.fingerprint
           AND http_idempotency_keys.created_at < now() - make_interval(secs => $4)
       RETURNING 1`,
      [scope, key, fingerprint, ABANDONED_CLAIM_SECONDS],
    );
    if (inserted.length > 0) return { kind: 'claimed' };
    const rows: Array<{ fingerprint: string; status_code: number | null; response: unknown }> = await this.dataSource.query(
      'SELECT fingerprint, status_code, response FROM http_idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const row = rows[0];
    // Released between our insert and select: try once more.
    if (!row) return this.claim(scope, key, fingerprint);
    if (row.status_code === null) return { kind: 'in_flight', fingerprint: row.fingerprint };
    return { kind: 'completed', fingerprint: row.fingerprint, statusCode: row.status_code, response: row.response };
  }

  async complete(scope: string, key: string, statusCode: number, response: unknown): Promise<void> {
    await this.dataSource.query('UPDATE http_idempotency_keys SET status_code = $3, response = $4 WHERE scope = $1 AND key = $2', [
      scope,
      key,
      statusCode,
      JSON.stringify(response ?? null),
    ]);
  }

  /** Forgets a claim whose request failed on our side, so the client's retry runs again. */
  async release(scope: string, key: string): Promise<void> {
    await this.dataSource.query('DELETE FROM http_idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NULL', [scope, key]);
  }

  async deleteOlderThan(hours: number): Promise<number> {
    const result: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM http_idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
      [hours],
    );
    return result[1];
  }
}
