import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * pricing_checkpoints.event_store: the event store (adapter name) the
 * subscriber's position belongs to (see
 * infrastructure/event-consumers/checkpoint-store.ts). Rows with a position
 * were written by the PostgreSQL adapter: it is the default, and the
 * KurrentDB adapter had never run anywhere when this was added (issue 22).
 */
export class PricingCheckpointEventStore1763900022100 implements MigrationInterface {
  name = 'PricingCheckpointEventStore1763900022100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE pricing_checkpoints ADD COLUMN event_store text');
    await runner.query(`UPDATE pricing_checkpoints SET event_store = 'postgres' WHERE position IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE pricing_checkpoints DROP COLUMN event_store');
  }
}
