import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../infrastructure/auth/roles.decorator';
import { badRequest, notFound } from '../../infrastructure/http/api-error';
import { ApiErrorResponses } from '../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../infrastructure/http/idempotency/idempotent.decorator';
import { UuidParamPipe } from '../../infrastructure/http/uuid-param.pipe';
import { RequestCommandContext } from '../../shared/order-commands/request-command-context';
import type { CommandContext } from '../../shared/order-commands/command-context';
import { OrderCommands } from '../../shared/order-commands/order-commands.service';
import { OrderView } from '../../shared/order-commands/order-view';
import { StuckQueryDto, StateQueryDto } from './dto/support.dto';
import { SupportDiagnosisService } from './support-diagnosis.service';
import { buildTimeline, envelopeOf, eventsUpTo, type OrderTimeline, type ReplayPoint, replay, unreadableOf } from './history/order-timeline';

/** Support's read-only tools over an order's own event stream. */
@ApiTags('support')
@ApiBearerAuth()
@Roles('support', 'admin')
@Controller('api/support/orders')
export class SupportOrdersController {
  constructor(
    private readonly orders: OrderCommands,
    private readonly diagnosis: SupportDiagnosisService,
  ) {}

  // Declared before the `:id` routes so `stuck` is never read as an order id.
  @Get('stuck')
  @ApiOperation({ summary: 'Orders past their status SLA, most overdue first, with what each waits for' })
  @ApiErrorResponses(400, 401, 403)
  stuck(@Query() query: StuckQueryDto) {
    return this.diagnosis.stuck(query.limit ?? 100);
  }

  @Get(':id/diagnosis')
  @ApiOperation({ summary: 'Where the order is, for how long against its SLA, who owns the next step, and anomalies across sources' })
  @ApiErrorResponses(400, 401, 403, 404)
  diagnose(@Param('id', UuidParamPipe) orderId: string) {
    return this.diagnosis.diagnose(orderId);
  }

  @Post(':id/retry-pricing')
  @Idempotent()
  @HttpCode(202)
  @ApiOperation({ summary: "Ask pricing to run the order's current submission again; recorded as PricingRetryRequested with the engineer's id" })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  retryPricing(@Param('id', UuidParamPipe) orderId: string, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.orders.run(orderId, { type: 'RequestPricingRetry', data: {} }, context);
  }

  @Get(':id/history')
  @ApiOperation({
    summary: "Every event of the order's stream with its metadata, and the time spent in each status (an event this version cannot read is listed with its problem)",
  })
  @ApiErrorResponses(400, 401, 403, 404)
  async history(@Param('id', UuidParamPipe) orderId: string): Promise<OrderTimeline> {
    // inspect, not load: support must see a stream with an unreadable event, not be refused it. A replica may answer.
    const { events } = await this.orders.inspect(orderId, undefined, { mayLag: true });
    if (events.length === 0) throw notFound('ORDER_NOT_FOUND', `no order ${orderId}`);
    return buildTimeline(orderId, events, new Date());
  }

  @Get(':id/state')
  @ApiOperation({
    summary: "The order's state replayed from its events up to ?revision=N or ?at=<ISO time> (time travel); events this version cannot read are left out and listed",
  })
  @ApiErrorResponses(400, 401, 403, 404)
  async state(@Param('id', UuidParamPipe) orderId: string, @Query() query: StateQueryDto) {
    const point = replayPoint(query);
    const { events } = await this.orders.inspect(orderId, undefined, { mayLag: true });
    if (events.length === 0) throw notFound('ORDER_NOT_FOUND', `no order ${orderId}`);
    const lastRevision = Number(events.at(-1)!.revision);
    if ('revision' in point && point.revision > lastRevision) {
      throw notFound('REVISION_NOT_FOUND', `order ${orderId} has revisions 0 to ${lastRevision}, not ${point.revision}`, { lastRevision });
    }
    const replayed = eventsUpTo(events, point);
    if (replayed.length === 0) {
      const createdAt = envelopeOf(events[0]!).occurredAt;
      throw notFound('ORDER_NOT_YET_CREATED', `order ${orderId} did not exist yet at ${query.at}; it was created at ${createdAt}`, { createdAt });
    }
    const last = replayed.at(-1)!;
    return {
      orderId,
      asOf: { revision: Number(last.revision), occurredAt: envelopeOf(last).occurredAt, eventType: last.type },
      latestRevision: lastRevision,
      state: replay(replayed),
      skippedEvents: unreadableOf(replayed),
    };
  }
}

function replayPoint(query: StateQueryDto): ReplayPoint {
  if (query.revision !== undefined && query.at !== undefined) {
    throw badRequest('AMBIGUOUS_REPLAY_POINT', 'give either ?revision=N or ?at=<ISO time>, not both');
  }
  if (query.revision !== undefined) return { revision: query.revision };
  if (query.at !== undefined) return { at: new Date(query.at) };
  throw badRequest('REPLAY_POINT_REQUIRED', 'give ?revision=N (0 = the first event) or ?at=<ISO-8601 time>');
}
