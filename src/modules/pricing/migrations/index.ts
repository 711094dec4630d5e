import type { MigrationClass } from '../../../infrastructure/database/migrations';
import { PricingTables1763900006000 } from './1763900006000-PricingTables';
import { PricingQuotes1763900006100 } from './1763900006100-PricingQuotes';
import { PricingCheckpointEventStore1763900022100 } from './1763900022100-PricingCheckpointEventStore';

/** Pricing's tables, for the app's migration list (src/migrations.ts). */
export const PRICING_MIGRATIONS: readonly MigrationClass[] = [PricingTables1763900006000, PricingQuotes1763900006100, PricingCheckpointEventStore1763900022100];
