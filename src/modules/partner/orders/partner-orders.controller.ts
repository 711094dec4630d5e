import type { FastifyReply } from 'fastify';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../../infrastructure/auth/principal';
import { CurrentPrincipal, Roles } from '../../../infrastructure/auth/roles.decorator';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { connectionClosed, MAX_WAIT_SECONDS, parseLongPoll, setRevisionTag } from '../../../infrastructure/http/long-poll';
import { Idempotent } from '../../../infrastructure/http/idempotency/idempotent.decorator';
import type { AuthenticatedRequest } from '../../../infrastructure/http/request-context';
import { RequestCommandContext } from '../../../shared/order-commands/request-command-context';
import { UuidParamPipe } from '../../../infrastructure/http/uuid-param.pipe';
import type { CommandContext } from '../../../shared/order-commands/command-context';
import { CommandAccepted, OrderView } from '../../../shared/order-commands/order-view';
import { ChannelOrdersService } from '../../shop';
import { declaredLength, MODEL_CONTENT_TYPES, modelStreamOf } from '../../pricing';
import { CreatePartnerOrderDto } from './partner-orders.dto';

/**
 * The partner's order API: the shop's lifecycle through the same command
 * path, for orders of the partner channel. A partner sees only its own
 * orders (another partner's answer 404); "confirm" accepts the calculated
 * price, which is the partner's manufacturing approval.
 */
@ApiTags('partner')
@ApiSecurity('partner-api-key')
@Roles('partner')
@Controller('api/partner/v1/orders')
export class PartnerOrdersController {
  constructor(private readonly orders: ChannelOrdersService) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a partner order (OrderInitiated, channel partner)' })
  @ApiResponse({ status: 201, type: CommandAccepted })
  @ApiErrorResponses(400, 401, 403, 422, 429)
  create(@Body() body: CreatePartnerOrderDto, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<CommandAccepted> {
    return this.orders.create('partner', principal.id, body.material, context);
  }

  @Put(':id/model')
  @HttpCode(200)
  @ApiOperation({ summary: 'Upload or replace the 3D model (raw STL or OBJ body; format detected from the bytes)' })
  @ApiConsumes(...MODEL_CONTENT_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 413, 415, 422, 429)
  upload(
    @Param('id', UuidParamPipe) orderId: string,
    @Req() request: AuthenticatedRequest,
    @Headers('content-length') contentLength: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestCommandContext() context: CommandContext,
  ): Promise<OrderView> {
    return this.orders.upload('partner', principal.id, orderId, modelStreamOf(request), declaredLength(contentLength), context);
  }

  @Post(':id/submit')
  @Idempotent()
  @HttpCode(202)
  @ApiOperation({ summary: 'Submit for pricing (OrderSubmitted); the price follows asynchronously' })
  @ApiResponse({ status: 202, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 429)
  submit(@Param('id', UuidParamPipe) orderId: string, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.orders.submit('partner', principal.id, orderId, context);
  }

  @Post(':id/confirm')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept the calculated price: the partner approves manufacturing (ManufacturingApproved via partner)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 429)
  confirm(@Param('id', UuidParamPipe) orderId: string, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.orders.command('partner', principal.id, orderId, { type: 'ApproveManufacturing', data: { approvedVia: 'partner' } }, context);
  }

  @Get(':id')
  @ApiOperation({ summary: "One of the partner's orders: status, model, price" })
  @ApiQuery({ name: 'changedAfter', required: false, description: 'long polling: the revision the caller has (the ETag); with wait, answer once the order is past it' })
  @ApiQuery({ name: 'wait', required: false, description: `long polling: seconds to wait for a revision above changedAfter, at most ${MAX_WAIT_SECONDS}` })
  @ApiResponse({ status: 200, type: OrderView, description: 'the order; ETag: its revision' })
  @ApiErrorResponses(400, 401, 403, 404, 429)
  async get(
    @Param('id', UuidParamPipe) orderId: string,
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    const { changedAfter, waitMs } = parseLongPoll(query);
    const view = await this.orders.getChangedAfter('partner', principal.id, orderId, changedAfter, waitMs, connectionClosed(reply));
    setRevisionTag(reply, view.revision);
    return view;
  }
}
