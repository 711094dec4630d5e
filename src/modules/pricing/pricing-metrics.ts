import { Injectable } from '@nestjs/common';

/**
 * Plain counters, a duration histogram and gauge callbacks for the pricing
 * engine, with no metrics library: the observability module reads them
 * (snapshot() or the fields) and exposes them through prom-client.
 */
export type PricingOutcome = 'priced' | 'invalid_model' | 'failed' | 'retry' | 'stale';

export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  /** `buckets`: upper bounds in seconds, ascending (Prometheus `le`); an implicit +Inf follows. */
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Array<number>(buckets.length + 1).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    const index = this.buckets.findIndex((bound) => value <= bound);
    this.counts[index === -1 ? this.buckets.length : index]! += 1;
  }
}

export const CALCULATION_SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

@Injectable()
export class PricingMetrics {
  /** Wall time of one calculation in a worker thread (seconds), whatever its outcome. */
  readonly calculationSeconds = new Histogram(CALCULATION_SECONDS_BUCKETS);
  /** Pricing attempts started (each retry counts). */
  attempts = 0;
  /** Finished attempts by outcome. */
  readonly outcomes: Record<PricingOutcome, number> = { priced: 0, invalid_model: 0, failed: 0, retry: 0, stale: 0 };
  /** Calculations stopped at PRICING_TIMEOUT_S. */
  timeouts = 0;
  /** Jobs that landed in the dead-letter list. */
  deadLetters = 0;
  /** Partner quotes refused with 503 because the queue was too deep. */
  quotesShed = 0;

  private queueDepthReader: () => Promise<number> = async () => 0;
  private openDeadLettersReader: () => Promise<number> = async () => 0;
  private subscriberLagReader: (() => Promise<{ eventsBehind: number; secondsBehind: number }>) | undefined;

  /** Jobs waiting or running in the pricing queue (a gauge read on scrape). */
  queueDepth(): Promise<number> {
    return this.queueDepthReader();
  }

  /** Dead letters support has not retried yet (a gauge read on scrape). */
  openDeadLetters(): Promise<number> {
    return this.openDeadLettersReader();
  }

  /** How far the pricing subscriber is behind the event store; undefined where it does not run (PRICING_WORKER_ENABLED=false). */
  async subscriberLag(): Promise<{ eventsBehind: number; secondsBehind: number } | undefined> {
    return this.subscriberLagReader?.();
  }

  setGauges(readers: {
    queueDepth?: () => Promise<number>;
    openDeadLetters?: () => Promise<number>;
    subscriberLag?: () => Promise<{ eventsBehind: number; secondsBehind: number }>;
  }): void {
    if (readers.queueDepth) this.queueDepthReader = readers.queueDepth;
    if (readers.openDeadLetters) this.openDeadLettersReader = readers.openDeadLetters;
    if (readers.subscriberLag) this.subscriberLagReader = readers.subscriberLag;
  }

  async snapshot(): Promise<Record<string, unknown>> {
    return {
      calculationSeconds: {
        buckets: this.calculationSeconds.buckets,
        counts: [...this.calculationSeconds.counts],
        sum: this.calculationSeconds.sum,
        count: this.calculationSeconds.count,
      },
      attempts: this.attempts,
      outcomes: { ...this.outcomes },
      timeouts: this.timeouts,
      deadLetters: this.deadLetters,
      quotesShed: this.quotesShed,
      queueDepth: await this.queueDepth(),
      openDeadLetters: await this.openDeadLetters(),
      subscriberLag: (await this.subscriberLag()) ?? null,
    };
  }
}
