import { Injectable } from '@nestjs/common';
import { Database } from '../../database/database';

export type IdempotencyClaim =
  /** The request runs; `seed` is the key's (the same for every attempt under it). */
  { kind: 'claimed'; seed: string } | { kind: 'completed'; fingerprint: string; statusCode: number; response: unknown } | { kind: 'in_flight'; fingerprint: string };

/** PostgreSQL advisory lock (class 'IDEM', key 1) of the cleanup: one replica at a time deletes expired keys. */
export const CLEANUP_LOCK = { classId: 1_229_210_957, key: 1 } as const;

/** $1 scope, $2 key, $3 fingerprint, $4 lock seconds. By the primary key (scope, key). */
export const CLAIM_IDEMPOTENCY_KEY = {
  name: 'idempotency_claim',
  text: `INSERT INTO http_idempotency_keys (scope, key, fingerprint, locked_until) VALUES ($1, $2, $3, now() + make_interval(secs => $4))
         ON CONFLICT (scope, key) DO UPDATE SET locked_until = EXCLUDED.locked_until
           WHERE http_idempotency_keys.status_code IS NULL AND http_idempotency_keys.fingerprint = EXCLUDED.fingerprint
             AND (http_idempotency_keys.locked_until IS NULL OR http_idempotency_keys.locked_until < now())
         RETURNING seed::text AS seed`,
};
/** By the primary key (scope, key). */
export const FIND_IDEMPOTENCY_KEY = {
  name: 'idempotency_find',
  text: 'SELECT fingerprint, status_code, response FROM http_idempotency_keys WHERE scope = $1 AND key = $2',
};
const COMPLETE_IDEMPOTENCY_KEY = {
  name: 'idempotency_complete',
  text: 'UPDATE http_idempotency_keys SET status_code = $3, response = $4, locked_until = NULL WHERE scope = $1 AND key = $2',
};
const RELEASE_IDEMPOTENCY_KEY = {
  name: 'idempotency_release',
  text: 'UPDATE http_idempotency_keys SET locked_until = NULL WHERE scope = $1 AND key = $2 AND status_code IS NULL',
};
const TRY_CLEANUP_LOCK = { name: 'idempotency_try_cleanup_lock', text: 'SELECT pg_try_advisory_xact_lock($1, $2) AS locked' };
/** $1 hours, $2 batch size. The inner scan walks http_idempotency_keys_created_at. */
export const DELETE_EXPIRED_IDEMPOTENCY_KEYS = {
  name: 'idempotency_delete_expired',
  text: `DELETE FROM http_idempotency_keys WHERE (scope, key) IN (
           SELECT scope, key FROM http_idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2)`,
};

/** The only code that touches http_idempotency_keys. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: Database) {}

  /**
   * Claims (scope, key) for a request for `lockSeconds`, or tells what the first request with that key did.
   * A key without an answer is claimed again by a request with the same fingerprint once it was released
   * (its attempt failed in a way worth retrying) or its lock ran out (the process running it died; a graceful
   * shutdown finishes its requests). The seed stays: the retry derives the same ids as the first attempt.
   */
  async claim(scope: string, key: string, fingerprint: string, lockSeconds: number): Promise<IdempotencyClaim> {
    const claimed = await this.db.query<{ seed: string }>(CLAIM_IDEMPOTENCY_KEY, [scope, key, fingerprint, lockSeconds]);
    if (claimed[0]) return { kind: 'claimed', seed: claimed[0].seed };
    const rows = await this.db.query<{ fingerprint: string; status_code: number | null; response: unknown }>(FIND_IDEMPOTENCY_KEY, [scope, key]);
    const row = rows[0];
    // Deleted (retention) between our insert and select: try once more.
    if (!row) return this.claim(scope, key, fingerprint, lockSeconds);
    if (row.status_code === null) return { kind: 'in_flight', fingerprint: row.fingerprint };
    return { kind: 'completed', fingerprint: row.fingerprint, statusCode: row.status_code, response: row.response };
  }

  async complete(scope: string, key: string, statusCode: number, response: unknown): Promise<void> {
    await this.db.query(COMPLETE_IDEMPOTENCY_KEY, [scope, key, statusCode, JSON.stringify(response ?? null)]);
  }

  /** Frees a claim whose attempt failed in a way worth retrying, so the client's retry runs again (with the same seed). */
  async release(scope: string, key: string): Promise<void> {
    await this.db.query(RELEASE_IDEMPOTENCY_KEY, [scope, key]);
  }

  /**
   * Deletes the keys claimed more than `hours` ago, in batches, unless another replica is at it (advisory
   * lock CLEANUP_LOCK, taken per batch). Answers how many were deleted, or null when another replica held the lock.
   */
  async deleteExpired(hours: number, batchSize = 5_000): Promise<number | null> {
    let total = 0;
    for (;;) {
      const deleted = await this.db.transaction(async (client) => {
        const { rows: locks } = await client.query<{ locked: boolean }>({ ...TRY_CLEANUP_LOCK, values: [CLEANUP_LOCK.classId, CLEANUP_LOCK.key] });
        if (!locks[0]?.locked) return null;
        const result = await client.query({ ...DELETE_EXPIRED_IDEMPOTENCY_KEYS, values: [hours, batchSize] });
        return result.rowCount ?? 0;
      });
      if (deleted === null) return total > 0 ? total : null;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
