import { Injectable } from '@nestjs/common';
import { notFound } from '../../../infrastructure/http/api-error';
import type { CommandContext } from '../../../shared/order-commands/command-context';
import { OrderCommands } from '../../../shared/order-commands/order-commands.service';
import { DeadLettersRepository, type PricingDeadLetter } from './dead-letters.repository';

/**
 * The dead-letter list as a service (support's module builds on it). A
 * retry goes through the lifecycle (RequestPricingRetry, audited in the
 * order's history); the pricing subscriber turns that event into a new job.
 * The lifecycle only allows it while the order waits in SUBMITTED: an order
 * that pricing cancelled must be placed again (409 ILLEGAL_TRANSITION).
 */
@Injectable()
export class PricingDeadLetterService {
  constructor(
    private readonly repository: DeadLettersRepository,
    private readonly orders: OrderCommands,
  ) {}

  list(options: { open: boolean; limit: number }): Promise<PricingDeadLetter[]> {
    return this.repository.list(options);
  }

  /** Re-enqueues pricing of an order (by order id: the support API's retry-pricing route). */
  async retryOrder(orderId: string, context: CommandContext): Promise<{ orderId: string; status: string }> {
    const result = await this.orders.execute(orderId, { type: 'RequestPricingRetry', data: {} }, context);
    return { orderId, status: result.state.status ?? 'SUBMITTED' };
  }

  async retry(jobId: string, context: CommandContext): Promise<{ orderId: string; status: string }> {
    const letter = await this.repository.find(jobId);
    if (!letter) throw notFound('DEAD_LETTER_NOT_FOUND', `no dead pricing job ${jobId}`);
    const answer = await this.retryOrder(letter.orderId, context);
    await this.repository.markRetried(jobId, context.actor.id);
    return answer;
  }
}
