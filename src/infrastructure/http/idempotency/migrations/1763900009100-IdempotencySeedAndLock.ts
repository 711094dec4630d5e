import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A key's seed (the ids of what its request creates are derived from it, so
 * a retry after a crash replays instead of repeating) and the time until
 * which the request holding the key counts as running (NULL: released, a
 * retry runs it again with the same seed). Rows are no longer deleted to
 * release a key: the seed must outlive a failed attempt.
 */
export class IdempotencySeedAndLock1763900009100 implements MigrationInterface {
  name = 'IdempotencySeedAndLock1763900009100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE http_idempotency_keys
        ADD COLUMN seed uuid NOT NULL DEFAULT gen_random_uuid(),
        ADD COLUMN locked_until timestamptz`);
    // Claims in flight at the upgrade keep the 30 s after which they counted as abandoned.
    await runner.query(`UPDATE http_idempotency_keys SET locked_until = created_at + interval '30 seconds' WHERE status_code IS NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE http_idempotency_keys DROP COLUMN seed, DROP COLUMN locked_until');
  }
}
