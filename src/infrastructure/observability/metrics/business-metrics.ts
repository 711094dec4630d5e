import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventConsumerMetrics } from '../../event-consumers/event-consumer-metrics';
import { ParkedEventsRepository } from '../../event-consumers/parked-events.repository';
import { setEventConsumerMetricsSource } from './event-consumer-metrics.exporter';
import { collectionErrors } from './external-metrics';

/**
 * A module's figures, read at scrape time. Modules and the projections
 * register theirs here (infrastructure imports none of them), each app
 * instance its own: several apps may share one test process.
 */
export interface MetricsCollector {
  /** Its label on alexandrite_metrics_collection_errors_total when it fails. */
  source: string;
  /** Reads the orders read model: runs after the per-status counts, once the read model's tables exist. */
  needsReadModel?: boolean;
  collect(): void | Promise<void>;
}

/** The read model's own figures (the projections register it): the `needsReadModel` collectors run after it. */
export interface ReadModelCollector {
  source: string;
  /** Whether the read model's tables exist: asked until they do (a rebuild swaps them in one transaction, so they stay). */
  present(): Promise<boolean>;
  collect(): Promise<void>;
}

/**
 * Gauges read at scrape time from what the app already keeps, as the
 * modules and the projections register them (the orders read model's
 * per-status counts, stuck orders, the projector's status, pricing). A source that is missing is skipped;
 * one that fails is counted and the rest of /metrics is still served.
 */
@Injectable()
export class BusinessMetrics {
  private readonly logger = new Logger('Metrics');
  private readonly found = new Map<unknown, unknown>();
  private readonly collectors: MetricsCollector[] = [];
  private readModel: ReadModelCollector | undefined;
  private readModelPresent = false;

  constructor(private readonly moduleRef: ModuleRef) {}

  register(collector: MetricsCollector): void {
    this.collectors.push(collector);
  }

  registerReadModel(collector: ReadModelCollector): void {
    this.readModel = collector;
  }

  async refresh(): Promise<void> {
    const consumerMetrics = this.optional(EventConsumerMetrics);
    const parked = this.optional(ParkedEventsRepository);
    setEventConsumerMetricsSource(consumerMetrics && parked ? { metrics: consumerMetrics, parked } : undefined);
    await Promise.all([
      ...(this.readModel ? [this.guard(this.readModel.source, () => this.refreshReadModel(this.readModel!))] : []),
      ...this.collectors.filter((collector) => !collector.needsReadModel).map((collector) => this.guard(collector.source, () => collector.collect())),
    ]);
  }

  private async refreshReadModel(readModel: ReadModelCollector): Promise<void> {
    if (!this.readModelPresent) {
      if (!(await readModel.present())) return;
      this.readModelPresent = true;
    }
    await readModel.collect();
    for (const collector of this.collectors.filter((each) => each.needsReadModel)) await this.guard(collector.source, () => collector.collect());
  }

  /** Modules that feed metrics are optional here: an app without one simply lacks its figures. */
  private optional<T>(token: new (...args: never[]) => T): T | null {
    if (!this.found.has(token)) {
      let instance: T | null = null;
      try {
        instance = this.moduleRef.get(token, { strict: false });
      } catch {
        // not part of this app
      }
      this.found.set(token, instance);
    }
    return this.found.get(token) as T | null;
  }

  private async guard(source: string, refresh: () => void | Promise<void>): Promise<void> {
    try {
      await refresh();
    } catch (error) {
      collectionErrors.inc({ source });
      this.logger.warn(`metrics source ${source} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
