import type { MigrationClass } from '../../../../infrastructure/database/migrations';
import { PartnerApiKeys1763900007000 } from './1763900007000-PartnerApiKeys';

/** The partner API keys table, for the app's migration list (src/migrations.ts). */
export const PARTNER_MIGRATIONS: readonly MigrationClass[] = [PartnerApiKeys1763900007000];
