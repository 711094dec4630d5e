import type { MigrationInterface } from 'typeorm';
import { EventStoreSchema1763900000000 } from '../event-store/postgres/migrations/1763900000000-EventStoreSchema';
import { IdempotencyKeys1763900000100 } from '../http/idempotency/migrations/1763900000100-IdempotencyKeys';

/**
 * Every migration of the app, oldest first. Each module owns its tables and
 * its migration classes; this list is the one place that orders them.
 * Timestamps in class names keep TypeORM's ordering stable.
 */
export const ALL_MIGRATIONS: Array<new () => MigrationInterface> = [
  EventStoreSchema1763900000000,
  IdempotencyKeys1763900000100,
];
