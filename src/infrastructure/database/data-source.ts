import { DataSource } from 'typeorm';
import type { MigrationClass } from './migrations';

// Any constant works; it only has to be the same in every replica.
const MIGRATION_LOCK_KEY = 724_313_001;

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /** PostgreSQL statement_timeout of every connection; 0 or absent: none (migrations must not be cut short). */
  statementTimeoutMs?: number;
  /** What runMigrations applies: the app's list comes from the composition root (src/migrations.ts). */
  migrations?: readonly MigrationClass[];
}

export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    migrations: [...(options.migrations ?? [])],
    migrationsTableName: 'typeorm_migrations',
    migrationsRun: false,
    synchronize: false,
    entities: [],
    logging: false,
    extra: {
      max: options.poolSize ?? 20,
      application_name: options.applicationName ?? 'alexandrite',
      // Fail fast instead of queueing forever when the database is away.
      connectionTimeoutMillis: 5_000,
      // A statement stuck behind a lock or on an overloaded server is cancelled (SQLSTATE 57014 -> 503), not waited for.
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
  });
}

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so replicas that
 * start at once run them one after another (the second finds nothing to do).
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Opens, migrates and closes: for tests, benchmarks and CLI tools. */
export async function migrateDatabase(url: string, migrations: readonly MigrationClass[]): Promise<string[]> {
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'alexandrite-migrate', migrations });
  await dataSource.initialize();
  try {
    return await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
