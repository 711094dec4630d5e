import type { MigrationClass } from '../../../infrastructure/database/migrations';
import { OrderReadModels1763900005000 } from './1763900005000-OrderReadModels';
import { RequestEventsReadModel1763900009200 } from './1763900009200-RequestEventsReadModel';
import { CheckpointEventStore1763900022000 } from './1763900022000-CheckpointEventStore';
import { PartnerOrdersIndex1763900023000 } from './1763900023000-PartnerOrdersIndex';

/** The read models' tables, for the app's migration list (src/migrations.ts). */
export const READ_MODEL_MIGRATIONS: readonly MigrationClass[] = [
  OrderReadModels1763900005000,
  RequestEventsReadModel1763900009200,
  CheckpointEventStore1763900022000,
  PartnerOrdersIndex1763900023000,
];
