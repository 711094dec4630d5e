import { Injectable, Logger, Optional } from '@nestjs/common';
import { AppSettings } from '../../config/app-settings';
import { ParkedEventsService } from '../../infrastructure/event-consumers/parked-events.service';
import { notFound } from '../../infrastructure/http/api-error';
import { OrderCommands, orderStreamId } from '../../shared/order-commands/order-commands.service';
import { OrderStreamCorruptError } from '../../shared/order-commands/order-stream-corrupt.error';
import type { OrderStatus } from '../../shared/order-lifecycle';
import { type Diagnosis, diagnose, type ParkedEventSnapshot, type PricingJobSnapshot, type ReadModelSnapshot, type WaitingFor, waitingFor } from './diagnosis/diagnose';
import { envelopeOf } from './history/order-timeline';
import { PricingJobInspector } from '../pricing';
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
    private readonly orders: OrderCommands,
    private readonly readModel: StuckOrdersRepository,
    settings: AppSettings,
    @Optional() private readonly pricingJobs?: PricingJobInspector,
    @Optional() private readonly parked?: ParkedEventsService,
  ) {
    this.slaMs = settings.config.support.slaMs;
  }

  async diagnose(orderId: string, now = new Date()): Promise<Diagnosis> {
    // inspect, not load: a stream with an unreadable event is what support most needs diagnosed.
    const { state, revision, events, unreadable } = await this.orders.inspect(orderId);
    if (!state.exists) {
      // Not even its OrderInitiated can be read: nothing to diagnose; the history lists the events.
      if (unreadable[0]) throw new OrderStreamCorruptError(orderId, unreadable[0]);
      throw notFound('ORDER_NOT_FOUND', `no order ${orderId}`);
    }
    const [pricingJob, readModel, parkedEvents] = await Promise.all([
      this.pricingJob(orderId, state.status, state.submissionId),
      this.readModelRow(orderId),
      this.parkedEvents(orderId),
    ]);
    const last = events.at(-1);
    return diagnose({
      orderId,
      state,
      revision: Number(revision),
      now,
      slaMs: this.slaMs,
      pricingJob,
      readModel,
      ...(last ? { lastEventAt: envelopeOf(last).occurredAt } : {}),
      unreadableEvents: unreadable.map((event) => ({ revision: Number(event.revision), position: String(event.position), type: event.type, problem: event.problem })),
      ...(parkedEvents ? { parkedEvents } : {}),
    });
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

  /** undefined when they cannot be asked: the diagnosis then says nothing about them. */
  private async parkedEvents(orderId: string): Promise<ParkedEventSnapshot[] | undefined> {
    if (!this.parked) return undefined;
    try {
      const open = await this.parked.openOfStream(orderStreamId(orderId));
      return open.map(({ consumer, position, revision, eventType, error, state, attempts, parkedAt }) => ({
        consumer,
        position,
        revision,
        eventType,
        error,
        state,
        attempts,
        parkedAt,
      }));
    } catch (error) {
      this.logger.warn({ err: error, orderId }, 'could not read the parked events of the order');
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
