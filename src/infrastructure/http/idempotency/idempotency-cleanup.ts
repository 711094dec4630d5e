import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppSettings } from '../../../config/app-settings';
import { IdempotencyRepository } from './idempotency.repository';

/** The first run after start-up comes this soon at the latest, so replicas restarted often still clean up. */
const FIRST_RUN_MAX_DELAY_MS = 60_000;

/**
 * Enforces the retention of Idempotency-Key records: every
 * IDEMPOTENCY_CLEANUP_INTERVAL_S each replica tries, and the one that gets
 * the advisory lock deletes the keys older than IDEMPOTENCY_RETENTION_HOURS.
 * A retry later than that runs as a new request.
 */
@Injectable()
export class IdempotencyCleanup implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyCleanup.name);
  private readonly retentionHours: number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly repository: IdempotencyRepository,
    settings: AppSettings,
  ) {
    this.retentionHours = settings.config.idempotency.retentionHours;
    this.intervalMs = settings.config.idempotency.cleanupIntervalMs;
  }

  onApplicationBootstrap(): void {
    this.schedule(Math.min(this.intervalMs, FIRST_RUN_MAX_DELAY_MS));
  }

  /** Before the database closes: no new run, and the one in progress finishes. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.intervalMs);
      });
    }, delayMs).unref();
  }

  private async runOnce(): Promise<void> {
    try {
      const deleted = await this.repository.deleteExpired(this.retentionHours);
      if (deleted) this.logger.log(`deleted ${deleted} Idempotency-Key records older than ${this.retentionHours} h`);
    } catch (error) {
      this.logger.warn(`Idempotency-Key cleanup failed (next try in ${this.intervalMs / 1000} s): ${String(error)}`);
    }
  }
}
