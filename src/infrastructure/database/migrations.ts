import type { MigrationInterface } from 'typeorm';
import { EventStoreSchema1763900000000 } from '../event-store/postgres/migrations/1763900000000-EventStoreSchema';
import { IdempotencyKeys1763900000100 } from '../http/idempotency/migrations/1763900000100-IdempotencyKeys';
import { IdempotencySeedAndLock1763900009100 } from '../http/idempotency/migrations/1763900009100-IdempotencySeedAndLock';
import { OrderReadModels1763900005000 } from '../../projections/read-models/migrations/1763900005000-OrderReadModels';
import { PricingTables1763900006000 } from '../../modules/pricing/migrations/1763900006000-PricingTables';
import { PricingQuotes1763900006100 } from '../../modules/pricing/migrations/1763900006100-PricingQuotes';
import { EventStoreAppendV21763900008000 } from '../event-store/postgres/migrations/1763900008000-EventStoreAppendV2';
import { ParkedEvents1763900009000 } from '../event-consumers/migrations/1763900009000-ParkedEvents';
import { RequestEventsReadModel1763900009200 } from '../../projections/read-models/migrations/1763900009200-RequestEventsReadModel';
import { PartnerApiKeys1763900007000 } from '../../modules/partner/api-keys/migrations/1763900007000-PartnerApiKeys';
import { CheckpointEventStore1763900022000 } from '../../projections/read-models/migrations/1763900022000-CheckpointEventStore';
import { PricingCheckpointEventStore1763900022100 } from '../../modules/pricing/migrations/1763900022100-PricingCheckpointEventStore';

/**
 * Every migration of the app, oldest first. Each module owns its tables and
 * its migration classes; this list is the one place that orders them.
 * Timestamps in class names keep TypeORM's ordering stable.
 */
export const ALL_MIGRATIONS: Array<new () => MigrationInterface> = [
  EventStoreSchema1763900000000,
  IdempotencyKeys1763900000100,
  OrderReadModels1763900005000,
  PricingTables1763900006000,
  PricingQuotes1763900006100,
  PartnerApiKeys1763900007000,
  EventStoreAppendV21763900008000,
  ParkedEvents1763900009000,
  IdempotencySeedAndLock1763900009100,
  RequestEventsReadModel1763900009200,
  CheckpointEventStore1763900022000,
  PricingCheckpointEventStore1763900022100,
];
