import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppSettings } from '../../../config/app-settings';
import { ORDER_STATUSES } from '../../../shared/order-lifecycle';
import { EventConsumerMetrics } from '../../event-consumers/event-consumer-metrics';
import { ParkedEventsRepository } from '../../event-consumers/parked-events.repository';
import { setEventConsumerMetricsSource } from './event-consumer-metrics.exporter';
import { collectionErrors } from './external-metrics';
import { gauge } from './registry';

export const ordersByStatus = gauge('alexandrite_orders', 'Orders per current status (from the orders read model)', ['status']);
export const oldestOrderAge = gauge('alexandrite_order_status_oldest_age_seconds', 'Age of the oldest order still in each non-terminal status', ['status']);

/** The read model may not exist yet (projections not installed, or a fresh database). */
const READ_MODEL_PRESENT = `SELECT to_regclass('order_status_counts') IS NOT NULL AND to_regclass('orders_current') IS NOT NULL AS present`;
const STATUS_COUNTS = `SELECT status, count::float8 AS count FROM order_status_counts`;
// One index lookup per status on (status, status_changed_at): cheap even with a million orders.
const OLDEST_PER_STATUS = `
  SELECT s.status,
         (SELECT extract(epoch FROM now() - min(o.status_changed_at)) FROM orders_current o WHERE o.status = s.status)::float8 AS oldest_age
    FROM unnest($1::text[]) AS s(status)`;

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

/**
 * Gauges read at scrape time from what the app already keeps: the orders
 * read model (per-status counts) and what modules register (stuck orders,
 * the projector's status, pricing). A source that is missing is skipped;
 * one that fails is counted and the rest of /metrics is still served.
 */
@Injectable()
export class BusinessMetrics {
  private readonly logger = new Logger('Metrics');
  private readonly found = new Map<unknown, unknown>();
  private readonly collectors: MetricsCollector[] = [];
  private readModelPresent = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
    private readonly settings: AppSettings,
  ) {}

  register(collector: MetricsCollector): void {
    this.collectors.push(collector);
  }

  async refresh(): Promise<void> {
    const consumerMetrics = this.optional(EventConsumerMetrics);
    const parked = this.optional(ParkedEventsRepository);
    setEventConsumerMetricsSource(consumerMetrics && parked ? { metrics: consumerMetrics, parked } : undefined);
    await Promise.all([
      this.guard('orders', () => this.refreshOrders()),
      ...this.collectors.filter((collector) => !collector.needsReadModel).map((collector) => this.guard(collector.source, () => collector.collect())),
    ]);
  }

  private async refreshOrders(): Promise<void> {
    if (!this.readModelPresent) {
      // Asked until the tables exist; once they do they stay (a rebuild swaps them in one transaction).
      const [probe] = await this.dataSource.query<{ present: boolean }[]>(READ_MODEL_PRESENT);
      if (!probe?.present) return;
      this.readModelPresent = true;
    }
    const counts = await this.dataSource.query<{ status: string; count: number }[]>(STATUS_COUNTS);
    const byStatus = new Map(counts.map((row) => [row.status, Number(row.count)]));
    for (const status of ORDER_STATUSES) ordersByStatus.set({ status }, byStatus.get(status) ?? 0);

    // The statuses with an SLA (ORDER_SLA) are the non-terminal ones.
    const slaMs = this.settings.config.support.slaMs;
    const rows = await this.dataSource.query<{ status: string; oldest_age: number | null }[]>(OLDEST_PER_STATUS, [Object.keys(slaMs)]);
    for (const row of rows) oldestOrderAge.set({ status: row.status }, row.oldest_age === null ? 0 : Number(row.oldest_age));
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
