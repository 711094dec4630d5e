import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppSettings } from '../../config/app-settings';
import { GeometryPool } from './calculation/geometry-pool';
import { DeadLettersRepository } from './dead-letters/dead-letters.repository';
import { PRICING_MAX_ATTEMPTS } from './jobs/pricing-job';
import { PricingJobHandler } from './jobs/pricing-job.handler';
import { PricingQueue } from './jobs/pricing-queue';
import { PricingSubscriber } from './jobs/pricing-subscriber';
import { QuotesRepository } from './partner-quote/quotes.repository';
import { PricingMetrics } from './pricing-metrics';

const QUOTE_RETENTION_HOURS = 24;
const QUOTE_CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Starts and stops the durable pricing machinery: the queue, its workers
 * (one per worker thread) and the event subscription that feeds it.
 * PRICING_WORKER_ENABLED=false leaves the workers and the subscription off
 * (tests that record prices by hand); the queue still starts for quotes.
 */
@Injectable()
export class PricingEngine implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PricingEngine.name);
  private quoteCleanup: NodeJS.Timeout | null = null;

  constructor(
    private readonly settings: AppSettings,
    private readonly queue: PricingQueue,
    private readonly subscriber: PricingSubscriber,
    private readonly handler: PricingJobHandler,
    private readonly pool: GeometryPool,
    private readonly deadLetters: DeadLettersRepository,
    private readonly metrics: PricingMetrics,
    private readonly quotes: QuotesRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.start();
    this.metrics.setGauges({ queueDepth: () => this.queue.depth(), openDeadLetters: () => this.deadLetters.countOpen() });
    this.quoteCleanup = setInterval(() => {
      this.quotes.deleteOlderThan(QUOTE_RETENTION_HOURS).catch((error: unknown) => this.logger.warn(`quote cleanup failed: ${String(error)}`));
    }, QUOTE_CLEANUP_INTERVAL_MS).unref();
    const { workerEnabled, retryDelaySeconds } = this.settings.config.pricing;
    if (!workerEnabled) {
      this.logger.warn('PRICING_WORKER_ENABLED=false: submitted orders are not priced by this process');
      return;
    }
    await this.queue.work(this.pool.threads, (job) => this.handler.run(job.data, { retryCount: job.retryCount, retryDelaySeconds: retryDelaySeconds + 2 ** job.retryCount }));
    await this.queue.workDeadLetters((job) => this.handler.giveUp(job.data));
    await this.subscriber.start();
    this.logger.log(`pricing workers: ${this.pool.threads} threads, ${PRICING_MAX_ATTEMPTS} attempts, jobs expire after ${this.queue.expireInSeconds} s`);
  }

  /** Before the database and event store close (they do on application shutdown), so in-flight jobs can record their outcome. */
  async onModuleDestroy(): Promise<void> {
    if (this.quoteCleanup) clearInterval(this.quoteCleanup);
    await this.subscriber.stop();
    await this.queue.stop();
    await this.pool.destroy();
  }
}
