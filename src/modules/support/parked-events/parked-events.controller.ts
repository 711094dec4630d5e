import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../../infrastructure/auth/roles.decorator';
import type { ParkedEvent } from '../../../infrastructure/event-consumers/parked-events.repository';
import type { ParkedState } from '../../../infrastructure/event-consumers/parked-events.queries';
import { ParkedEventsService } from '../../../infrastructure/event-consumers/parked-events.service';
import { badRequest } from '../../../infrastructure/http/api-error';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../../infrastructure/http/idempotency/idempotent.decorator';
import { parseLimit } from '../../../infrastructure/http/list-query';
import { RequestCommandContext } from '../../../shared/order-commands/request-command-context';
import { UuidPipe } from '../../../infrastructure/http/uuid-param.pipe';
import { orderStreamId } from '../../../shared/order-commands/order-commands.service';
import type { CommandContext } from '../../../shared/order-commands/command-context';

const CONSUMER = /^[a-z][a-z0-9-]{0,63}$/;
const POSITION = /^\d{1,19}$/;
const STATES = ['parked', 'resolved', 'skipped', 'all'] as const;
const ORDER_STREAM = /^order-([0-9a-f-]{36})$/i;

/** A parked event with the order it belongs to, when its stream is an order's. */
export type ParkedEventView = ParkedEvent & { orderId: string | null };

/**
 * Events the projector or the pricing subscriber could not apply and parked
 * so they could carry on (GET), and the audited ways out once the code or
 * the data is fixed: retry (the consumer applies it again) or skip (for good).
 * Consumers: `read-models` (the projector), `pricing-jobs` (the pricing subscriber).
 */
@ApiTags('support')
@ApiBearerAuth()
@Roles('support', 'admin')
@Controller('api/support/parked-events')
export class ParkedEventsController {
  private readonly orderIdPipe = new UuidPipe('INVALID_ORDER_ID');

  constructor(private readonly parked: ParkedEventsService) {}

  @Get()
  @ApiOperation({ summary: 'Parked events, oldest first: position, stream, type, error, state (default: still parked)' })
  @ApiQuery({ name: 'consumer', required: false, example: 'read-models' })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiQuery({ name: 'orderId', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiErrorResponses(400, 401, 403)
  async list(
    @Query('consumer') consumer?: string,
    @Query('state') state?: string,
    @Query('orderId') orderId?: string,
    @Query('limit') limit?: string,
  ): Promise<{ items: ParkedEventView[] }> {
    const size = parseLimit(limit, { defaultLimit: 100, maxLimit: 500 });
    if (consumer !== undefined && !(typeof consumer === 'string' && CONSUMER.test(consumer)))
      throw badRequest('INVALID_CONSUMER', 'consumer must be a consumer name such as read-models or pricing-jobs');
    if (state !== undefined && !(STATES as readonly unknown[]).includes(state)) throw badRequest('INVALID_STATE', `state must be one of ${STATES.join(', ')}`);
    const stream = orderId === undefined ? undefined : orderStreamId(this.orderIdPipe.transform(orderId));
    const items = await this.parked.list({
      ...(consumer !== undefined ? { consumer } : {}),
      ...(state === 'all' ? {} : { state: (state ?? 'parked') as ParkedState }),
      ...(stream !== undefined ? { streamId: stream } : {}),
      limit: size,
    });
    return { items: items.map(withOrderId) };
  }

  @Post(':consumer/:position/retry')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply a parked event again (after a fix); 409 PARKED_EVENT_STILL_FAILING with the error when it still cannot be applied' })
  @ApiParam({ name: 'consumer', example: 'read-models' })
  @ApiParam({ name: 'position', example: '3346432' })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  async retry(@Param('consumer') consumer: string, @Param('position') position: string, @RequestCommandContext() context: CommandContext): Promise<ParkedEventView> {
    return withOrderId(await this.parked.retry(consumerOf(consumer), positionOf(position), context.actor));
  }

  @Post(':consumer/:position/skip')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Give up on a parked event for good: the consumer never applies it (a rebuild leaves it out too)' })
  @ApiParam({ name: 'consumer', example: 'read-models' })
  @ApiParam({ name: 'position', example: '3346432' })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  async skip(@Param('consumer') consumer: string, @Param('position') position: string, @RequestCommandContext() context: CommandContext): Promise<ParkedEventView> {
    return withOrderId(await this.parked.skip(consumerOf(consumer), positionOf(position), context.actor));
  }
}

function consumerOf(raw: string): string {
  if (!CONSUMER.test(raw)) throw badRequest('INVALID_CONSUMER', 'consumer must be a consumer name such as read-models or pricing-jobs');
  return raw;
}

function positionOf(raw: string): bigint {
  const position = POSITION.test(raw) ? BigInt(raw) : -1n;
  if (position < 0n || position > 2n ** 63n - 1n) throw badRequest('INVALID_POSITION', 'position must be an event store position (a non-negative integer)');
  return position;
}

function withOrderId(parked: ParkedEvent): ParkedEventView {
  return { ...parked, orderId: ORDER_STREAM.exec(parked.streamId)?.[1]?.toLowerCase() ?? null };
}
