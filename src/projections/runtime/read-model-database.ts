import { Injectable } from '@nestjs/common';
import { Database, type NamedStatement } from '../../infrastructure/database/database';

export type { NamedStatement };

/**
 * The app's Database (named statements on the pg pool; see
 * infrastructure/database/database.ts for the one access style), under the
 * name the modules' query repositories use for the projections' tables.
 */
@Injectable()
export class ReadModelDatabase extends Database {}
