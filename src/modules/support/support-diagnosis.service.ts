import { Injectable, Logger, Optional } from '@nestjs/common';
import { AppSettings } from '../../config/app-settings';
import { notFound } from '../../infrastructure/http/api-error';
import { OrderCommandExecutor } from '../../shared/order-commands/order-command.executor';
import type { OrderStatus } from '../../shared/order-lifecycle';
import { type Diagnosis, diagnose, type PricingJobSnapshot, type ReadModelSnapshot, type WaitingFor, waitingFor } from './diagnosis/diagnose';
import { PricingJobInspector } from './pricing-job-inspector';
import { StuckOrdersRepository } from './stuck/stuck-orders.repository';

export interface StuckOrder {
  orderId: string;
  status: OrderStatus;
  statusChangedAt: string;
  overdueMs: number;
  slaMs: number;
  waitingFor: WaitingFor;
}

/** Gathers what the platform knows about an order and asks the pure `diagnose`. */
@Injectable()
export class SupportDiagnosisService {
  private readonly logger = new Logger('Support');
  private readonly slaMs: Partial<Record<OrderStatus, number>>;

  constructor(
    private readonly orders: OrderCommandExecutor,
    private readonly readModel: StuckOrdersRepository,
    settings: AppSettings,
    @Optional() private readonly pricingJobs?: PricingJobInspector,
  ) {
    this.slaMs = settings.config.support.slaMs;
  }

  async diagnose(orderId: string, now = new Date()): Promise<Diagnosis> {
    const { state, revision, events } = await this.orders.load(orderId);
    if (!state.exists) throw notFound('ORDER_NOT_FOUND', `no order ${orderId}`);
    const [pricingJob, readModel] = await Promise.all([this.pricingJob(orderId, state.status, state.submissionId), this.readModelRow(orderId)]);
    const lastEventAt = events.at(-1)?.metadata.occurredAt;
    return diagnose({ orderId, state, revision: Number(revision), now, slaMs: this.slaMs, pricingJob, readModel, ...(lastEventAt ? { lastEventAt } : {}) });
  }

  async stuck(limit: number, now = new Date()): Promise<{ asOf: string; counts: Partial<Record<OrderStatus, number>>; orders: StuckOrder[] }> {
    const [rows, counts] = await Promise.all([this.readModel.findOverdue(this.slaMs, now, limit), this.readModel.countOverdue(this.slaMs, now)]);
    return {
      asOf: now.toISOString(),
      counts,
      orders: rows.map((row) => ({
        orderId: row.orderId,
        status: row.status,
        statusChangedAt: row.statusChangedAt,
        overdueMs: row.overdueMs,
        slaMs: this.slaMs[row.status]!,
        waitingFor: waitingFor({ status: row.status, channel: row.channel }),
      })),
    };
  }

  /** undefined when the queue cannot be asked (no pricing module, or it failed): the diagnosis then says nothing about it. */
  private async pricingJob(orderId: string, status: OrderStatus | null, submissionId: string | null): Promise<PricingJobSnapshot | null | undefined> {
    if (!this.pricingJobs || status !== 'SUBMITTED' || !submissionId) return undefined;
    try {
      return await this.pricingJobs.findJob(orderId, submissionId);
    } catch (error) {
      this.logger.warn({ err: error, orderId }, 'could not ask the pricing queue about the order');
      return undefined;
    }
  }

  private async readModelRow(orderId: string): Promise<ReadModelSnapshot | undefined> {
    try {
      return await this.readModel.readModelRow(orderId);
    } catch (error) {
      this.logger.warn({ err: error, orderId }, 'could not read the orders read model');
      return undefined;
    }
  }
}
