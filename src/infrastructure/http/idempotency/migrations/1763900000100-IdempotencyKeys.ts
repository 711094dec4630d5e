import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdempotencyKeys1763900000100 implements MigrationInterface {
  name = 'IdempotencyKeys1763900000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE http_idempotency_keys (
        scope        text        NOT NULL,  -- who sent it: principal kind and opaque id
        key          text        NOT NULL,
        fingerprint  text        NOT NULL,  -- sha256 of method, path and body
        status_code  integer,               -- NULL while the first request is in flight
        response     jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await runner.query('CREATE INDEX http_idempotency_keys_created_at ON http_idempotency_keys (created_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE http_idempotency_keys');
  }
}
