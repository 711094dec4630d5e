import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AppSettings } from '../../../config/app-settings';
import { BusinessMetrics } from '../../../infrastructure/observability/metrics/business-metrics';
import { gauge } from '../../../infrastructure/observability/metrics/registry';
import { StuckOrdersRepository } from './stuck-orders.repository';

export const stuckOrders = gauge('alexandrite_orders_stuck', 'Orders longer in their status than its SLA, per status', ['status']);

/** Support registers its stuck-order count with the app's metrics (infrastructure imports no module). */
@Injectable()
export class StuckOrdersMetrics implements OnModuleInit {
  constructor(
    private readonly business: BusinessMetrics,
    private readonly stuck: StuckOrdersRepository,
    private readonly settings: AppSettings,
  ) {}

  onModuleInit(): void {
    // Under the read model's source, as before the move: it reads orders_current.
    this.business.register({ source: 'orders', needsReadModel: true, collect: () => this.collect() });
  }

  /** Support's own count, so the gauge and GET /api/support/orders/stuck always agree. */
  private async collect(): Promise<void> {
    const slaMs = this.settings.config.support.slaMs;
    const overdue = await this.stuck.countOverdue(slaMs, new Date());
    for (const status of Object.keys(slaMs)) stuckOrders.set({ status }, overdue[status as keyof typeof overdue] ?? 0);
  }
}
