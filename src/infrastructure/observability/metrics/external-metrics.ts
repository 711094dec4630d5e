import { register } from 'prom-client';
import { counter } from './registry';

/**
 * Metrics whose values another module keeps itself in plain fields (the
 * pricing engine's PricingMetrics, with no metrics library): exposed through
 * prom-client as custom metric objects that read the current values at
 * scrape time. A family with no source yet prints only its HELP and TYPE.
 */
export interface ExternalValue {
  labels?: Record<string, string>;
  value: number;
  /** For histograms: `<name>_bucket`, `<name>_sum`, `<name>_count`. */
  metricName?: string;
}

type MetricType = 'counter' | 'gauge' | 'histogram';

export function registerExternalMetric(name: string, type: MetricType, help: string, read: () => ExternalValue[] | Promise<ExternalValue[]>): void {
  if (register.getSingleMetric(name)) return;
  const metric = {
    name,
    type,
    help,
    aggregator: 'sum',
    get: async () => ({ name, type, help, aggregator: 'sum', values: await readSafely(name, read) }),
    reset: () => undefined,
  };
  register.registerMetric(metric as unknown as Parameters<typeof register.registerMetric>[0]);
}

/** Prometheus histogram series from per-bucket (non-cumulative) counts plus a final +Inf bucket. */
export function histogramValues(name: string, histogram: { buckets: readonly number[]; counts: readonly number[]; sum: number; count: number }): ExternalValue[] {
  const values: ExternalValue[] = [];
  let cumulative = 0;
  histogram.buckets.forEach((bound, index) => {
    cumulative += histogram.counts[index] ?? 0;
    values.push({ metricName: `${name}_bucket`, labels: { le: String(bound) }, value: cumulative });
  });
  values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: histogram.count });
  values.push({ metricName: `${name}_sum`, value: histogram.sum });
  values.push({ metricName: `${name}_count`, value: histogram.count });
  return values;
}

/** Scrape-time sources (read model, projector, pricing) that failed; the rest of /metrics is still served. */
export const collectionErrors = counter('alexandrite_metrics_collection_errors_total', 'Scrape-time metric sources that failed', ['source']);

/** A failing source must not turn the whole scrape into a 500: its family is empty this time, and counted. */
async function readSafely(name: string, read: () => ExternalValue[] | Promise<ExternalValue[]>): Promise<ExternalValue[]> {
  try {
    return await read();
  } catch {
    collectionErrors.inc({ source: name });
    return [];
  }
}
