import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createRequestEventsTable } from '../request-events/request-events.schema';

/**
 * request_events: which events each HTTP request appended. Events appended
 * before this migration carry no request id, so nothing is missing from it.
 */
export class RequestEventsReadModel1763900009200 implements MigrationInterface {
  name = 'RequestEventsReadModel1763900009200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(createRequestEventsTable(''));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE request_events');
  }
}
