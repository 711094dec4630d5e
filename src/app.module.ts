import { type DynamicModule, Module } from '@nestjs/common';
import { AppSettings } from './config/app-settings';
import { SettingsModule } from './config/settings.module';
import { AuthModule } from './infrastructure/auth/auth.module';
import { BlobStorageModule } from './infrastructure/blob-storage/blob-storage.module';
import { DatabaseModule } from './infrastructure/database/database.module';
import { EventStoreModule } from './infrastructure/event-store/event-store.module';
import { HealthModule } from './infrastructure/health/health.module';
import { LoggingModule } from './infrastructure/observability/logging.module';

@Module({})
export class AppModule {
  static forRoot(settings: AppSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SettingsModule.forRoot(settings),
        LoggingModule,
        DatabaseModule,
        HealthModule,
        EventStoreModule,
        BlobStorageModule,
        AuthModule,
      ],
    };
  }
}
