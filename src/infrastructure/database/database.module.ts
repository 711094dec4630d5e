import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppSettings } from '../../config/app-settings';
import { createDataSource, migrateDatabase } from './data-source';

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [AppSettings],
      useFactory: async (settings: AppSettings): Promise<DataSource> => {
        // Migrations on their own connections, without the statement timeout (building an index may take minutes).
        const ran = await migrateDatabase(settings.databaseUrl);
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
  ],
  exports: [DataSource],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
