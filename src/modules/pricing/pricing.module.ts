import { Module } from '@nestjs/common';
import { AppSettings } from '../../config/app-settings';
import { GeometryPool } from './calculation/geometry-pool';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersRepository } from './dead-letters/dead-letters.repository';
import { PricingDeadLetterService } from './dead-letters/dead-letters.service';
import { PricingJobHandler } from './jobs/pricing-job.handler';
import { PgBossPricingJobInspector } from './jobs/pricing-job-inspector';
import { PricingJobInspector } from './jobs/pricing-job-inspector.port';
import { PricingCheckpointsRepository } from './jobs/pricing-checkpoints.repository';
import { PricingJobsRepository } from './jobs/pricing-jobs.repository';
import { PricingQueue } from './jobs/pricing-queue';
import { PricingSubscriber } from './jobs/pricing-subscriber';
import { AdminMaterialsController } from './price-rules/admin-materials.controller';
import { MaterialsRepository } from './price-rules/materials.repository';
import { PriceListService } from './price-rules/price-list.service';
import { PartnerQuotesController } from './partner-quote/partner-quotes.controller';
import { QuoteService } from './partner-quote/quote.service';
import { QuotesRepository } from './partner-quote/quotes.repository';
import { PricingEngine } from './pricing-engine';
import { PricingMetrics } from './pricing-metrics';
import { PricingMetricsExporter } from './pricing-metrics.exporter';

/**
 * Pricing: the price list, durable pricing jobs (event subscription ->
 * pg-boss -> worker threads -> events), dead letters, partner quotes.
 * Exports the price list (which materials exist), the dead-letter service
 * (support) and the metrics (observability).
 */
@Module({
  controllers: [AdminMaterialsController, DeadLettersController, PartnerQuotesController],
  providers: [
    MaterialsRepository,
    PriceListService,
    DeadLettersRepository,
    PricingDeadLetterService,
    PricingMetrics,
    PricingMetricsExporter,
    PricingQueue,
    PricingJobsRepository,
    PricingCheckpointsRepository,
    PricingSubscriber,
    PricingJobHandler,
    PricingEngine,
    { provide: PricingJobInspector, useClass: PgBossPricingJobInspector },
    QuotesRepository,
    QuoteService,
    {
      provide: GeometryPool,
      inject: [AppSettings],
      useFactory: (settings: AppSettings) =>
        new GeometryPool({
          maxThreads: settings.config.pricing.threads,
          timeoutMs: settings.config.pricing.timeoutMs,
          testDelayMs: settings.config.pricing.testDelayMs,
          limits: settings.config.pricing.modelLimits,
        }),
    },
  ],
  exports: [PriceListService, PricingDeadLetterService, PricingMetrics, PricingJobInspector],
})
export class PricingModule {}
