import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOrdersCurrentTable, createOrderStatusCountsTable, ordersCurrentIndexes, PROJECTION_CHECKPOINTS_TABLE } from '../orders-current/orders-current.schema';

/**
 * The projector's checkpoint and the orders read model (orders_current,
 * order_status_counts). The DDL is shared with the rebuild, which creates
 * the same tables under another name and swaps them in.
 */
export class OrderReadModels1763900005000 implements MigrationInterface {
  name = 'OrderReadModels1763900005000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(PROJECTION_CHECKPOINTS_TABLE);
    await runner.query(createOrdersCurrentTable(''));
    for (const ddl of ordersCurrentIndexes('')) await runner.query(ddl);
    await runner.query(createOrderStatusCountsTable(''));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE order_status_counts');
    await runner.query('DROP TABLE orders_current');
    await runner.query('DROP TABLE projection_checkpoints');
  }
}
