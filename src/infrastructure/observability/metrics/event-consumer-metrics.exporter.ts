import type { EventConsumerMetrics } from '../../event-consumers/event-consumer-metrics';
import type { ParkedEventsRepository } from '../../event-consumers/parked-events.repository';
import { registerExternalMetric } from './external-metrics';

/** The app serving the scrape (several apps may share one test process). */
let source: { metrics: EventConsumerMetrics; parked: ParkedEventsRepository } | undefined;

export function setEventConsumerMetricsSource(next: typeof source): void {
  source = next;
}

/** The event consumers' families (projector, pricing subscriber), registered once per process; values read at scrape time. */
export function registerEventConsumerMetrics(): void {
  registerExternalMetric(
    'alexandrite_events_parked',
    'gauge',
    'Events a consumer could not apply and parked, still open (read from the database: the same on every replica)',
    async () => {
      if (!source) return [];
      const open = await source.parked.countOpen();
      const consumers = new Set([...source.metrics.declared, ...open.keys()]);
      return [...consumers].sort().map((consumer) => ({ labels: { consumer }, value: open.get(consumer) ?? 0 }));
    },
  );
  registerExternalMetric('alexandrite_events_parked_total', 'counter', 'Events this process parked, per consumer', () =>
    source ? [...source.metrics.parked].map(([consumer, value]) => ({ labels: { consumer }, value })) : [],
  );
  registerExternalMetric(
    'alexandrite_event_consumer_errors_total',
    'counter',
    'Failed batches of a consumer that were read again (the database or queue away, not an event: those are parked), per consumer',
    () => (source ? [...source.metrics.errors].map(([consumer, value]) => ({ labels: { consumer }, value })) : []),
  );
}
