import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { OrderRevisionWaiters } from '../../projections';
import type { CommandContext } from '../../shared/order-commands/command-context';
import { channelAccess } from '../../shared/order-commands/order-access';
import { type OrderCommandRequest, OrderCommands } from '../../shared/order-commands/order-commands.service';
import type { CommandAccepted, OrderView } from '../../shared/order-commands/order-view';
import type { MaterialCode, SalesChannel } from '../../shared/order-lifecycle';
import { MaterialsPolicy } from './materials.policy';
import { ModelUploadService } from './model-upload/model-upload.service';

/**
 * The orders a buyer places and follows, through the web shop (a customer)
 * or the partner API (a partner): one set of use cases parameterised by the
 * channel, which fixes who owns the order and who may see it. A customer
 * sees only their own shop orders, a partner only its own.
 */
@Injectable()
export class ChannelOrdersService {
  constructor(
    private readonly orders: OrderCommands,
    private readonly materials: MaterialsPolicy,
    private readonly uploads: ModelUploadService,
    private readonly waiters: OrderRevisionWaiters,
  ) {}

  async create(channel: SalesChannel, buyerId: string, material: MaterialCode, context: CommandContext): Promise<CommandAccepted> {
    await this.materials.assertKnown(material);
    // A partner's end customer is not known to us: the partner's opaque id stands for it.
    return this.orders.initiate({ customerRef: buyerId, channel, partnerId: channel === 'partner' ? buyerId : null, material }, context);
  }

  upload(channel: SalesChannel, buyerId: string, orderId: string, body: IncomingMessage, contentLength: number | undefined, context: CommandContext): Promise<OrderView> {
    return this.uploads.upload({ orderId, body, contentLength, access: channelAccess(channel, buyerId), context });
  }

  submit(channel: SalesChannel, buyerId: string, orderId: string, context: CommandContext): Promise<OrderView> {
    return this.command(channel, buyerId, orderId, { type: 'SubmitOrder', data: { submissionId: randomUUID() } }, context);
  }

  /** Any other command on one of the buyer's own orders. */
  command(channel: SalesChannel, buyerId: string, orderId: string, request: OrderCommandRequest, context: CommandContext): Promise<OrderView> {
    return this.orders.run(orderId, request, context, channelAccess(channel, buyerId));
  }

  get(channel: SalesChannel, buyerId: string, orderId: string): Promise<OrderView> {
    return this.orders.view(orderId, channelAccess(channel, buyerId));
  }

  /**
   * Long polling: the order as `get` answers it, once its revision is above `changedAfter`, or as it is
   * when `waitMs` has passed (or the caller left, `signal`).
   */
  async getChangedAfter(channel: SalesChannel, buyerId: string, orderId: string, changedAfter: number, waitMs: number, signal: AbortSignal): Promise<OrderView> {
    if (waitMs <= 0) return this.get(channel, buyerId, orderId);
    await this.waiters.ready();
    // Waiting starts before the read, so a change the read misses still ends the wait.
    const stop = new AbortController();
    const stopWaiting = () => stop.abort();
    signal.addEventListener('abort', stopWaiting, { once: true });
    try {
      const changed = this.waiters.waitFor(orderId, changedAfter, waitMs, stop.signal);
      const now = await this.get(channel, buyerId, orderId);
      if (now.revision > changedAfter) return now;
      return (await changed) ? await this.get(channel, buyerId, orderId) : now;
    } finally {
      stop.abort();
      signal.removeEventListener('abort', stopWaiting);
    }
  }
}
