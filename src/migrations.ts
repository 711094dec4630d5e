/**
 * Composition root: every migration of the app. Each owner (infrastructure,
 * the projections, each module) exports its own list; this is the one place
 * that may import them all. TypeORM orders them by the timestamps in their
 * class names.
 */
import type { MigrationClass } from './infrastructure/database/migrations';
import { INFRASTRUCTURE_MIGRATIONS } from './infrastructure/database/migrations';
import { PARTNER_MIGRATIONS } from './modules/partner';
import { PRICING_MIGRATIONS } from './modules/pricing';
import { READ_MODEL_MIGRATIONS } from './projections';

export const ALL_MIGRATIONS: readonly MigrationClass[] = [...INFRASTRUCTURE_MIGRATIONS, ...READ_MODEL_MIGRATIONS, ...PRICING_MIGRATIONS, ...PARTNER_MIGRATIONS];
