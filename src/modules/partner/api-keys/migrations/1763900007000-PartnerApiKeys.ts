import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PartnerApiKeys1763900007000 implements MigrationInterface {
  name = 'PartnerApiKeys1763900007000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE partner_api_keys (
        id          uuid        PRIMARY KEY,
        partner_id  uuid        NOT NULL,  -- opaque id of the partner; what its orders carry
        name        text        NOT NULL,  -- the partner's business name, for admins only
        prefix      text        NOT NULL UNIQUE,  -- non-secret lookup part of the key
        key_hash    bytea       NOT NULL,  -- sha256 of the whole key; the key itself is never stored
        rps         integer     NOT NULL CHECK (rps > 0),
        burst       integer     NOT NULL CHECK (burst >= 0),
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
      )`);
    await runner.query('CREATE INDEX partner_api_keys_partner ON partner_api_keys (partner_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE partner_api_keys');
  }
}
