import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance } from 'fastify';
import { BusinessMetrics } from './business-metrics';
import { registerEventConsumerMetrics } from './event-consumer-metrics.exporter';
import { installHttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { registerPricingMetrics } from './pricing-metrics.exporter';
import { collectProcessMetricsOnce } from './registry';

/**
 * Prometheus metrics at /metrics: RED per route (http-metrics.ts), process
 * USE (prom-client defaults), event-store appends and lifecycle transitions
 * (InstrumentedEventStore) and scrape-time business gauges (business-metrics.ts).
 */
// Global so the library's PrometheusModule, which hosts MetricsController, can inject BusinessMetrics.
@Global()
@Module({
  // Default metrics are collected by collectProcessMetricsOnce: the library would register them again per app.
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: false } })],
  providers: [BusinessMetrics],
  exports: [BusinessMetrics],
})
export class MetricsModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    collectProcessMetricsOnce();
    registerPricingMetrics();
    registerEventConsumerMetrics();
    installHttpMetrics(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
  }
}
