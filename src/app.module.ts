import { type DynamicModule, Module } from '@nestjs/common';
import { AppSettings } from './config/app-settings';
import { SettingsModule } from './config/settings.module';
import { AuthModule } from './infrastructure/auth/auth.module';
import { BlobStorageModule } from './infrastructure/blob-storage/blob-storage.module';
import { DatabaseModule } from './infrastructure/database/database.module';
import { EventConsumersModule } from './infrastructure/event-consumers/event-consumers.module';
import { EventStoreModule } from './infrastructure/event-store/event-store.module';
import { HealthModule } from './infrastructure/health/health.module';
import { IdempotencyModule } from './infrastructure/http/idempotency/idempotency.module';
import { LifecycleModule } from './infrastructure/lifecycle/lifecycle.module';
import { LoggingModule } from './infrastructure/observability/logging.module';
import { MetricsModule } from './infrastructure/observability/metrics/metrics.module';
import { CrmModule } from './modules/crm/crm.module';
import { MesModule } from './modules/mes/mes.module';
import { PartnerModule } from './modules/partner/partner.module';
import { PricingModule } from './modules/pricing/pricing.module';
import { ShopModule } from './modules/shop/shop.module';
import { SupportModule } from './modules/support/support.module';
import { ALL_MIGRATIONS } from './migrations';
import { ProjectionsModule } from './projections/projections.module';
import { OrderCommandsModule } from './shared/order-commands/order-commands.module';

@Module({})
export class AppModule {
  static forRoot(settings: AppSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SettingsModule.forRoot(settings),
        LifecycleModule,
        LoggingModule,
        MetricsModule,
        DatabaseModule.forRoot(ALL_MIGRATIONS),
        HealthModule,
        EventStoreModule,
        EventConsumersModule,
        BlobStorageModule,
        AuthModule,
        IdempotencyModule,
        OrderCommandsModule,
        ProjectionsModule,
        ShopModule,
        PartnerModule,
        CrmModule,
        MesModule,
        PricingModule,
        SupportModule,
      ],
    };
  }
}
