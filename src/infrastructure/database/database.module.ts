import { type DynamicModule, Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppSettings } from '../../config/app-settings';
import { createDataSource, migrateDatabase } from './data-source';
import { Database } from './database';
import type { MigrationClass } from './migrations';
import { primaryPoolOf } from './primary-pool';
import { ReadReplicas } from './read-replicas/read-replicas';

/** The app's migrations, handed over by the composition root (DatabaseModule.forRoot): infrastructure imports no module. */
const MIGRATIONS = Symbol('MIGRATIONS');

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [AppSettings, MIGRATIONS],
      useFactory: async (settings: AppSettings, migrations: readonly MigrationClass[]): Promise<DataSource> => {
        // Migrations on their own connections, without the statement timeout (building an index may take minutes).
        const ran = await migrateDatabase(settings.databaseUrl, migrations);
        const dataSource = createDataSource({
          url: settings.databaseUrl,
          poolSize: settings.config.database.poolSize,
          applicationName: 'alexandrite-app',
          statementTimeoutMs: settings.config.database.statementTimeoutMs,
        });
        await dataSource.initialize();
        new Logger('Database').log(ran.length > 0 ? `applied migrations: ${ran.join(', ')}` : 'schema up to date');
        return dataSource;
      },
    },
    {
      provide: ReadReplicas,
      inject: [AppSettings, DataSource],
      useFactory: async (settings: AppSettings, dataSource: DataSource): Promise<ReadReplicas> => {
        const { readReplicaUrls, readReplicaMaxLagMs, poolSize, statementTimeoutMs } = settings.config.database;
        const replicas = new ReadReplicas(primaryPoolOf(dataSource), { urls: readReplicaUrls, maxLagMs: readReplicaMaxLagMs, poolSize, statementTimeoutMs });
        await replicas.start();
        if (replicas.configured)
          new Logger('Database').log(
            `read replicas: ${replicas
              .status()
              .map((replica) => `${replica.replica} (${replica.usable ? 'usable' : (replica.error ?? 'behind')})`)
              .join(', ')}`,
          );
        return replicas;
      },
    },
    Database,
  ],
  exports: [DataSource, ReadReplicas, Database],
})
export class DatabaseModule implements OnApplicationShutdown {
  static forRoot(migrations: readonly MigrationClass[]): DynamicModule {
    return { module: DatabaseModule, providers: [{ provide: MIGRATIONS, useValue: migrations }] };
  }

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ReadReplicas) private readonly replicas: ReadReplicas,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.replicas.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
