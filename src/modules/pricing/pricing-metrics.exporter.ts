import { Injectable, type OnModuleInit } from '@nestjs/common';
import { BusinessMetrics } from '../../infrastructure/observability/metrics/business-metrics';
import { histogramValues, registerExternalMetric } from '../../infrastructure/observability/metrics/external-metrics';
import { PricingMetrics, type PricingOutcome } from './pricing-metrics';

/** The pricing engine of the app serving the scrape (several apps may share one test process). */
let source: PricingMetrics | undefined;

const OUTCOMES: readonly PricingOutcome[] = ['priced', 'invalid_model', 'failed', 'retry', 'stale'];

/** The pricing families, registered once per process; values come from PricingMetrics at scrape time. */
function registerPricingMetrics(): void {
  registerExternalMetric('alexandrite_pricing_duration_seconds', 'histogram', 'Wall time of one price calculation, whatever its outcome', () =>
    source ? histogramValues('alexandrite_pricing_duration_seconds', source.calculationSeconds) : [],
  );
  registerExternalMetric('alexandrite_pricing_attempts_total', 'counter', 'Pricing attempts started (each retry counts)', () => (source ? [{ value: source.attempts }] : []));
  registerExternalMetric('alexandrite_pricing_outcomes_total', 'counter', 'Finished pricing attempts by outcome', () =>
    source ? OUTCOMES.map((outcome) => ({ labels: { outcome }, value: source?.outcomes[outcome] ?? 0 })) : [],
  );
  registerExternalMetric('alexandrite_pricing_timeouts_total', 'counter', 'Price calculations stopped at PRICING_TIMEOUT_S', () => (source ? [{ value: source.timeouts }] : []));
  registerExternalMetric('alexandrite_pricing_dead_letters_total', 'counter', 'Pricing jobs that landed in the dead-letter list', () =>
    source ? [{ value: source.deadLetters }] : [],
  );
  registerExternalMetric('alexandrite_pricing_quotes_shed_total', 'counter', 'Partner quotes refused with 503 because the pricing queue was too deep', () =>
    source ? [{ value: source.quotesShed }] : [],
  );
  registerExternalMetric('alexandrite_pricing_queue_depth', 'gauge', 'Pricing jobs waiting or running', async () => (source ? [{ value: await source.queueDepth() }] : []));
  registerExternalMetric('alexandrite_pricing_dead_letters_open', 'gauge', 'Pricing dead letters support has not retried yet', async () =>
    source ? [{ value: await source.openDeadLetters() }] : [],
  );
  // The subscriber's checkpoint is shared by the replicas: every one that runs it reports the same lag.
  registerExternalMetric(
    'alexandrite_pricing_subscriber_lag_events',
    'gauge',
    'Events recorded but not yet turned into pricing jobs by the pricing subscriber (capped at 1000)',
    async () => {
      const lag = await source?.subscriberLag();
      return lag ? [{ value: lag.eventsBehind }] : [];
    },
  );
  registerExternalMetric('alexandrite_pricing_subscriber_lag_seconds', 'gauge', 'Age of the oldest event the pricing subscriber has not handled yet', async () => {
    const lag = await source?.subscriberLag();
    return lag ? [{ value: lag.secondsBehind }] : [];
  });
}

/** Pricing registers its figures with the app's metrics (infrastructure imports no module). */
@Injectable()
export class PricingMetricsExporter implements OnModuleInit {
  constructor(
    private readonly business: BusinessMetrics,
    private readonly metrics: PricingMetrics,
  ) {}

  onModuleInit(): void {
    registerPricingMetrics();
    // The families are once per process; each scrape reads the pricing engine of the app serving it.
    this.business.register({
      source: 'pricing',
      collect: () => {
        source = this.metrics;
      },
    });
  }
}
