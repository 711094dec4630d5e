import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BusinessMetrics } from './business-metrics';
import { registerEventConsumerMetrics } from './event-consumer-metrics.exporter';
import { installHttpMetrics } from './http-metrics';
import { MetricsServer } from './metrics-server';
import { collectProcessMetricsOnce } from './registry';

/**
 * Prometheus metrics at GET /metrics on their own listener (metrics-server.ts,
 * METRICS_PORT): RED per route (http-metrics.ts), process
 * USE (prom-client defaults), event-store appends and lifecycle transitions
 * (InstrumentedEventStore) and scrape-time business gauges (business-metrics.ts),
 * to which modules register their own collectors.
 */
// Global: modules use BusinessMetrics' registries without importing this module.
@Global()
@Module({
  providers: [BusinessMetrics, MetricsServer],
  exports: [BusinessMetrics, MetricsServer],
})
export class MetricsModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    collectProcessMetricsOnce();
    registerEventConsumerMetrics();
    installHttpMetrics(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
  }
}
