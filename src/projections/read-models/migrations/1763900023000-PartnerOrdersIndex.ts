import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * orders_current_partner_idx: a partner's orders in the order they changed,
 * for GET /api/partner/v1/orders (keyset on updated_at, order_id). Partial:
 * shop orders have no partner and are not in it.
 */
export class PartnerOrdersIndex1763900023000 implements MigrationInterface {
  name = 'PartnerOrdersIndex1763900023000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX IF NOT EXISTS orders_current_partner_idx ON orders_current (partner_id, updated_at, order_id) WHERE partner_id IS NOT NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX IF EXISTS orders_current_partner_idx');
  }
}
