import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pricing module's tables: the materials price list (seeded with the
 * binding materials), the subscriber's checkpoint, and the dead letters
 * support looks at. pg-boss keeps its own schema (`pgboss`), which it
 * creates and migrates itself on start.
 */
export class PricingTables1763900006000 implements MigrationInterface {
  name = 'PricingTables1763900006000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE pricing_materials (
        code text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{0,31}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        density_g_cm3 numeric(8, 4) NOT NULL CHECK (density_g_cm3 > 0),
        price_per_gram_minor bigint NOT NULL CHECK (price_per_gram_minor >= 0),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        labour_per_cm2_minor bigint NOT NULL CHECK (labour_per_cm2_minor >= 0),
        setup_fee_minor bigint NOT NULL CHECK (setup_fee_minor >= 0),
        minimum_price_minor bigint NOT NULL CHECK (minimum_price_minor >= 0),
        active boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text
      )`);
    // Densities of the usual jewellery alloys; prices in euro cents per gram (editable by admins).
    await runner.query(`
      INSERT INTO pricing_materials
        (code, name, density_g_cm3, price_per_gram_minor, currency, labour_per_cm2_minor, setup_fee_minor, minimum_price_minor, updated_by)
      VALUES
        ('GOLD_585', 'Gold 585 (14k)', 13.6000, 4500, 'EUR', 150, 2500, 9900, 'migration'),
        ('GOLD_750', 'Gold 750 (18k)', 15.5000, 5800, 'EUR', 150, 2500, 12900, 'migration'),
        ('SILVER_925', 'Sterling silver 925', 10.3600, 120, 'EUR', 80, 1500, 3900, 'migration'),
        ('PLATINUM_950', 'Platinum 950', 20.7000, 4200, 'EUR', 250, 3500, 14900, 'migration')`);
    await runner.query(`
      CREATE TABLE pricing_checkpoints (
        subscriber text PRIMARY KEY,
        position bigint,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE pricing_dead_letters (
        job_id uuid PRIMARY KEY,
        order_id uuid NOT NULL,
        submission_id uuid NOT NULL,
        code text NOT NULL,
        reason text NOT NULL,
        attempts integer NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now(),
        retry_requested_at timestamptz,
        retry_requested_by text
      )`);
    await runner.query('CREATE INDEX pricing_dead_letters_open ON pricing_dead_letters (failed_at DESC) WHERE retry_requested_at IS NULL');
    await runner.query('CREATE INDEX pricing_dead_letters_order ON pricing_dead_letters (order_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE pricing_dead_letters');
    await runner.query('DROP TABLE pricing_checkpoints');
    await runner.query('DROP TABLE pricing_materials');
  }
}
