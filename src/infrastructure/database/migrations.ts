import type { MigrationInterface } from 'typeorm';
import { EventStoreSchema1763900000000 } from '../event-store/postgres/migrations/1763900000000-EventStoreSchema';
import { IdempotencyKeys1763900000100 } from '../http/idempotency/migrations/1763900000100-IdempotencyKeys';
import { IdempotencySeedAndLock1763900009100 } from '../http/idempotency/migrations/1763900009100-IdempotencySeedAndLock';
import { EventStoreAppendV21763900008000 } from '../event-store/postgres/migrations/1763900008000-EventStoreAppendV2';
import { ParkedEvents1763900009000 } from '../event-consumers/migrations/1763900009000-ParkedEvents';

export type MigrationClass = new () => MigrationInterface;

/**
 * Infrastructure's own migrations (event store, idempotency keys, parked
 * events). Each module and the projections export theirs the same way; the
 * composition root (src/migrations.ts) hands the app's whole list to the
 * database, so infrastructure imports no module. TypeORM runs them in the
 * order of the timestamps in their class names, whoever lists them first.
 */
export const INFRASTRUCTURE_MIGRATIONS: readonly MigrationClass[] = [
  EventStoreSchema1763900000000,
  IdempotencyKeys1763900000100,
  EventStoreAppendV21763900008000,
  ParkedEvents1763900009000,
  IdempotencySeedAndLock1763900009100,
];
