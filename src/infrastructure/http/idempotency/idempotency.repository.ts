import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type IdempotencyClaim =
  /** The request runs; `seed` is the key's (the same for every attempt under it). */
  { kind: 'claimed'; seed: string } | { kind: 'completed'; fingerprint: string; statusCode: number; response: unknown } | { kind: 'in_flight'; fingerprint: string };

/** PostgreSQL advisory lock (class 'IDEM', key 1) of the cleanup: one replica at a time deletes expired keys. */
export const CLEANUP_LOCK = { classId: 1_229_210_957, key: 1 } as const;

/** The only code that touches http_idempotency_keys. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims (scope, key) for a request for `lockSeconds`, or tells what the first request with that key did.
   * A key without an answer is claimed again by a request with the same fingerprint once it was released
   * (its attempt failed in a way worth retrying) or its lock ran out (the process running it died; a graceful
   * shutdown finishes its requests). The seed stays: the retry derives the same ids as the first attempt.
   */
  async claim(scope: string, key: string, fingerprint: string, lockSeconds: number): Promise<IdempotencyClaim> {
    const claimed: Array<{ seed: string }> = await this.dataSource.query(
      `INSERT INTO http_idempotency_keys (scope, key, fingerprint, locked_until) VALUES ($1, $2, $3, now() + make_interval(secs => $4))
       ON CONFLICT (scope, key) DO UPDATE SET locked_until = EXCLUDED.locked_until
         WHERE http_idempotency_keys.status_code IS NULL AND http_idempotency_keys.fingerprint = EXCLUDED.fingerprint
           AND (http_idempotency_keys.locked_until IS NULL OR http_idempotency_keys.locked_until < now())
       RETURNING seed::text AS seed`,
      [scope, key, fingerprint, lockSeconds],
    );
    if (claimed[0]) return { kind: 'claimed', seed: claimed[0].seed };
    const rows: Array<{ fingerprint: string; status_code: number | null; response: unknown }> = await this.dataSource.query(
      'SELECT fingerprint, status_code, response FROM http_idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const row = rows[0];
    // Deleted (retention) between our insert and select: try once more.
    if (!row) return this.claim(scope, key, fingerprint, lockSeconds);
    if (row.status_code === null) return { kind: 'in_flight', fingerprint: row.fingerprint };
    return { kind: 'completed', fingerprint: row.fingerprint, statusCode: row.status_code, response: row.response };
  }

  async complete(scope: string, key: string, statusCode: number, response: unknown): Promise<void> {
    await this.dataSource.query('UPDATE http_idempotency_keys SET status_code = $3, response = $4, locked_until = NULL WHERE scope = $1 AND key = $2', [
      scope,
      key,
      statusCode,
      JSON.stringify(response ?? null),
    ]);
  }

  /** Frees a claim whose attempt failed in a way worth retrying, so the client's retry runs again (with the same seed). */
  async release(scope: string, key: string): Promise<void> {
    await this.dataSource.query('UPDATE http_idempotency_keys SET locked_until = NULL WHERE scope = $1 AND key = $2 AND status_code IS NULL', [scope, key]);
  }

  /**
   * Deletes the keys claimed more than `hours` ago, in batches, unless another replica is at it (advisory
   * lock CLEANUP_LOCK, taken per batch). Answers how many were deleted, or null when another replica held the lock.
   */
  async deleteExpired(hours: number, batchSize = 5_000): Promise<number | null> {
    let total = 0;
    for (;;) {
      const deleted = await this.dataSource.transaction(async (manager) => {
        const [lock] = await manager.query<Array<{ locked: boolean }>>('SELECT pg_try_advisory_xact_lock($1, $2) AS locked', [CLEANUP_LOCK.classId, CLEANUP_LOCK.key]);
        if (!lock?.locked) return null;
        const result = await manager.query<[unknown[], number]>(
          `DELETE FROM http_idempotency_keys WHERE (scope, key) IN (
             SELECT scope, key FROM http_idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2)`,
          [hours, batchSize],
        );
        return result[1];
      });
      if (deleted === null) return total > 0 ? total : null;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
