import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppSettings } from '../../../config/app-settings';
import { ORDER_STATUSES } from '../../../shared/order-lifecycle';
import { PricingMetrics } from '../../../modules/pricing/pricing-metrics';
import { StuckOrdersRepository } from '../../../modules/support/stuck/stuck-orders.repository';
import { ProjectionStatus } from '../../../projections/runtime/projection-status';
import { EventConsumerMetrics } from '../../event-consumers/event-consumer-metrics';
import { ParkedEventsRepository } from '../../event-consumers/parked-events.repository';
import { setEventConsumerMetricsSource } from './event-consumer-metrics.exporter';
import { setPricingMetricsSource } from './pricing-metrics.exporter';
import { collectionErrors } from './external-metrics';
import { gauge } from './registry';

export const ordersByStatus = gauge('alexandrite_orders', 'Orders per current status (from the orders read model)', ['status']);
export const stuckOrders = gauge('alexandrite_orders_stuck', 'Orders longer in their status than its SLA, per status', ['status']);
export const oldestOrderAge = gauge('alexandrite_order_status_oldest_age_seconds', 'Age of the oldest order still in each non-terminal status', ['status']);
export const projectionLagEvents = gauge('alexandrite_projection_lag_events', 'Events recorded but not applied to the read models yet (capped at 1000)', []);
export const projectionLagSeconds = gauge('alexandrite_projection_lag_seconds', 'Age of the oldest event not applied to the read models yet', []);
export const projectionLeader = gauge('alexandrite_projection_leader', '1 when this replica holds the projector leader lock', []);

/** The read model may not exist yet (projections not installed, or a fresh database). */
const READ_MODEL_PRESENT = `SELECT to_regclass('order_status_counts') IS NOT NULL AND to_regclass('orders_current') IS NOT NULL AS present`;
const STATUS_COUNTS = `SELECT status, count::float8 AS count FROM order_status_counts`;
// One index lookup per status on (status, status_changed_at): cheap even with a million orders.
const OLDEST_PER_STATUS = `
  SELECT s.status,
         (SELECT extract(epoch FROM now() - min(o.status_changed_at)) FROM orders_current o WHERE o.status = s.status)::float8 AS oldest_age
    FROM unnest($1::text[]) AS s(status)`;

/**
 * Gauges read at scrape time from what the app already keeps: the orders
 * read model (per-status counts, stuck orders) and the projector's status.
 * A source that is missing is skipped; one that fails is counted and the
 * rest of /metrics is still served.
 */
@Injectable()
export class BusinessMetrics {
  private readonly logger = new Logger('Metrics');
  private readonly found = new Map<unknown, unknown>();
  private readModelPresent = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
    private readonly settings: AppSettings,
  ) {}

  async refresh(): Promise<void> {
    setPricingMetricsSource(this.optional(PricingMetrics) ?? undefined);
    const consumerMetrics = this.optional(EventConsumerMetrics);
    const parked = this.optional(ParkedEventsRepository);
    setEventConsumerMetricsSource(consumerMetrics && parked ? { metrics: consumerMetrics, parked } : undefined);
    await Promise.all([this.guard('orders', () => this.refreshOrders()), this.guard('projection', () => this.refreshProjection())]);
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
    // Support's own count, so the gauge and GET /api/support/orders/stuck always agree.
    const stuck = this.optional(StuckOrdersRepository);
    if (stuck) {
      const overdue = await stuck.countOverdue(slaMs, new Date());
      for (const status of Object.keys(slaMs)) stuckOrders.set({ status }, overdue[status as keyof typeof overdue] ?? 0);
    }
  }

  private async refreshProjection(): Promise<void> {
    const status = this.optional(ProjectionStatus);
    if (!status) return;
    const snapshot = await status.snapshot();
    projectionLagEvents.set(snapshot.eventsBehind);
    projectionLagSeconds.set(snapshot.secondsBehind);
    projectionLeader.set(snapshot.role === 'leader' ? 1 : 0);
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

  private async guard(source: string, refresh: () => Promise<void>): Promise<void> {
    try {
      await refresh();
    } catch (error) {
      collectionErrors.inc({ source });
      this.logger.warn(`metrics source ${source} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
