import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AppSettings } from '../../config/app-settings';
import { BusinessMetrics } from '../../infrastructure/observability/metrics/business-metrics';
import { gauge } from '../../infrastructure/observability/metrics/registry';
import { ORDER_STATUSES } from '../../shared/order-lifecycle';
import { OLDEST_ORDER_PER_STATUS, ORDER_STATUS_COUNTS, ORDERS_READ_MODEL_PRESENT } from '../read-models/orders-current/order-metrics.queries';
import { ReadModelDatabase } from './read-model-database';

export const ordersByStatus = gauge('alexandrite_orders', 'Orders per current status (from the orders read model)', ['status']);
export const oldestOrderAge = gauge('alexandrite_order_status_oldest_age_seconds', 'Age of the oldest order still in each non-terminal status', ['status']);

/**
 * The orders read model's figures (orders per status, the oldest in each),
 * registered with the app's metrics as its read-model source: the
 * collectors that read the read model run after it, once its tables exist.
 */
@Injectable()
export class OrderMetrics implements OnModuleInit {
  constructor(
    private readonly business: BusinessMetrics,
    private readonly database: ReadModelDatabase,
    private readonly settings: AppSettings,
  ) {}

  onModuleInit(): void {
    this.business.registerReadModel({ source: 'orders', present: () => this.present(), collect: () => this.collect() });
  }

  private async present(): Promise<boolean> {
    const [probe] = await this.database.query<{ present: boolean }>(ORDERS_READ_MODEL_PRESENT);
    return probe?.present === true;
  }

  private async collect(): Promise<void> {
    const counts = await this.database.query<{ status: string; count: number }>(ORDER_STATUS_COUNTS);
    const byStatus = new Map(counts.map((row) => [row.status, Number(row.count)]));
    for (const status of ORDER_STATUSES) ordersByStatus.set({ status }, byStatus.get(status) ?? 0);

    // The statuses with an SLA (ORDER_SLA) are the non-terminal ones.
    const slaMs = this.settings.config.support.slaMs;
    const rows = await this.database.query<{ status: string; oldest_age: number | null }>(OLDEST_ORDER_PER_STATUS, [Object.keys(slaMs)]);
    for (const row of rows) oldestOrderAge.set({ status: row.status }, row.oldest_age === null ? 0 : Number(row.oldest_age));
  }
}
