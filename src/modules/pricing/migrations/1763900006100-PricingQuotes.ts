import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Partner quotes: a price without an order, kept a day so the partner can poll a slow one. */
export class PricingQuotes1763900006100 implements MigrationInterface {
  name = 'PricingQuotes1763900006100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE pricing_quotes (
        id uuid PRIMARY KEY,
        partner_id text NOT NULL,
        material text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'done', 'rejected', 'failed')),
        result jsonb,
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        deadline_at timestamptz NOT NULL,
        finished_at timestamptz
      )`);
    await runner.query('CREATE INDEX pricing_quotes_created ON pricing_quotes (created_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE pricing_quotes');
  }
}
