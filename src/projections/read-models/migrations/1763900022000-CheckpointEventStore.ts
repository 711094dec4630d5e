import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * projection_checkpoints.event_store: the event store (adapter name) the
 * checkpoint's position belongs to (see
 * infrastructure/event-consumers/checkpoint-store.ts). Rows with a position
 * were written by the PostgreSQL adapter: it is the default, and the
 * KurrentDB adapter had never run anywhere when this was added (issue 22).
 */
export class CheckpointEventStore1763900022000 implements MigrationInterface {
  name = 'CheckpointEventStore1763900022000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE projection_checkpoints ADD COLUMN event_store text');
    await runner.query(`UPDATE projection_checkpoints SET event_store = 'postgres' WHERE position IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE projection_checkpoints DROP COLUMN event_store');
  }
}
