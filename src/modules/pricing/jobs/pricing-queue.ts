import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { AppSettings } from '../../../config/app-settings';
import { ShutdownState } from '../../../infrastructure/lifecycle/shutdown-state';
import { PRICING_DEAD_QUEUE, PRICING_MAX_ATTEMPTS, PRICING_QUEUE, type PricingJobData } from './pricing-job';

/** Of the shutdown grace period, what stopping the queue leaves for everything after it. */
const STOP_RESERVE_MS = 3_000;

export type PricingJob = PgBoss.JobWithMetadata<PricingJobData>;

/**
 * The pricing queue in PostgreSQL (pg-boss, schema `pgboss`): durable jobs,
 * competing consumers across replicas, retries with backoff, and a
 * dead-letter queue for jobs whose last attempt never answered. This is the
 * only code that talks to pg-boss.
 */
@Injectable()
export class PricingQueue {
  private readonly logger = new Logger(PricingQueue.name);
  private readonly boss: PgBoss;
  private readonly workerIds: string[] = [];
  private started = false;

  constructor(
    @Inject(AppSettings) private readonly settings: AppSettings,
    @Optional() private readonly shutdown?: ShutdownState,
  ) {
    const timeoutSeconds = Math.ceil(settings.config.pricing.timeoutMs / 1000);
    // Expired jobs (their worker died) are looked for this often: a crash costs at most the expiry plus this.
    const superviseSeconds = Math.min(60, Math.max(1, Math.ceil(timeoutSeconds / 2)));
    // pg-boss hands its options to pg.Pool, whose connect timeout (default: wait forever) its types omit.
    const options: PgBoss.ConstructorOptions & { connectionTimeoutMillis: number } = {
      connectionString: settings.databaseUrl,
      schema: 'pgboss',
      max: 4,
      application_name: 'alexandrite-pricing',
      connectionTimeoutMillis: 5_000,
      superviseIntervalSeconds: superviseSeconds,
      monitorIntervalSeconds: superviseSeconds,
      schedule: false,
    };
    this.boss = new PgBoss(options);
    this.boss.on('error', (error) => this.logger.warn(`pg-boss: ${error.message}`));
  }

  /**
   * Seconds after which a started job counts as dead and is retried: the calculation limit twice (the limit
   * counts from the start of the calculation, and a job may first wait for one to free a thread) plus room for I/O.
   */
  get expireInSeconds(): number {
    return Math.ceil((this.settings.config.pricing.timeoutMs / 1000) * 2) + 5;
  }

  async start(): Promise<void> {
    await this.boss.start();
    this.started = true;
    await this.boss.createQueue(PRICING_DEAD_QUEUE, { retryLimit: 5, retryDelay: 5, retryBackoff: true });
    const options = {
      retryLimit: PRICING_MAX_ATTEMPTS - 1,
      retryDelay: this.settings.config.pricing.retryDelaySeconds,
      retryBackoff: true,
      retryDelayMax: 300,
      expireInSeconds: this.expireInSeconds,
      deadLetter: PRICING_DEAD_QUEUE,
    };
    // Copies: pg-boss writes defaults (policy) into the object it is given.
    await this.boss.createQueue(PRICING_QUEUE, { ...options });
    // createQueue keeps an existing queue as it was: apply today's settings.
    await this.boss.updateQueue(PRICING_QUEUE, { ...options });
  }

  /** Enqueues once per jobId: a repeat (redelivered event, another replica) is a no-op. true when new. */
  async enqueue(data: PricingJobData): Promise<boolean> {
    const id = await this.boss.send(PRICING_QUEUE, data, { id: data.jobId });
    // Wake the local workers instead of waiting for their next poll.
    for (const workerId of this.workerIds) this.boss.notifyWorker(workerId);
    return id !== null;
  }

  /** `concurrency` workers, one job each at a time. A handler that throws fails the attempt (pg-boss retries). */
  async work(concurrency: number, handler: (job: PricingJob) => Promise<void>): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      const id = await this.boss.work<PricingJobData>(PRICING_QUEUE, { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
        if (job) await handler(job);
      });
      this.workerIds.push(id);
    }
  }

  async workDeadLetters(handler: (job: PgBoss.JobWithMetadata<PricingJobData>) => Promise<void>): Promise<void> {
    await this.boss.work<PricingJobData>(PRICING_DEAD_QUEUE, { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: 2 }, async ([job]) => {
      if (job) await handler(job);
    });
  }

  /** Jobs waiting or running (the partner quote's load shedding and the queue-depth gauge). */
  async depth(): Promise<number> {
    if (!this.started) return 0;
    const stats = await this.boss.getQueueStats(PRICING_QUEUE);
    return stats.queuedCount + stats.activeCount;
  }

  async job(id: string): Promise<PricingJob | null> {
    return this.boss.getJobById<PricingJobData>(PRICING_QUEUE, id);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Running calculations get what is left of the shutdown grace period (minus room for the projector and
    // pools); pg-boss then fails what still runs, so it goes back to the queue for another replica at once.
    const timeout = Math.max(1_000, this.shutdown?.remainingMs(STOP_RESERVE_MS) ?? 5_000);
    await this.boss.stop({ graceful: true, close: true, wait: true, timeout }).catch((error: unknown) => this.logger.warn(`pg-boss stop: ${String(error)}`));
  }
}
