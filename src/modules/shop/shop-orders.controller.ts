import type { FastifyReply } from 'fastify';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, UserCommandLimited } from '../../infrastructure/auth/roles.decorator';
import type { Principal } from '../../infrastructure/auth/principal';
import { ApiErrorResponses } from '../../infrastructure/http/api-error.swagger';
import { connectionClosed, MAX_WAIT_SECONDS, parseLongPoll, setRevisionTag } from '../../infrastructure/http/long-poll';
import { Idempotent } from '../../infrastructure/http/idempotency/idempotent.decorator';
import type { AuthenticatedRequest } from '../../infrastructure/http/request-context';
import { RequestCommandContext } from '../../shared/order-commands/request-command-context';
import { UuidParamPipe } from '../../infrastructure/http/uuid-param.pipe';
import type { CommandContext } from '../../shared/order-commands/command-context';
import { CommandAccepted, OrderView } from '../../shared/order-commands/order-view';
import { CatalogService } from './catalog/catalog.service';
import { ChannelOrdersService } from './channel-orders.service';
import { CancelOrderDto, ChooseCatalogItemDto, CreateOrderDto } from './dto/shop.dto';
import { declaredLength, MODEL_CONTENT_TYPES, modelStreamOf } from '../pricing';

@ApiTags('shop')
@ApiBearerAuth()
@Roles('customer')
@Controller('api/shop/orders')
export class ShopOrdersController {
  constructor(
    private readonly orders: ChannelOrdersService,
    private readonly catalog: CatalogService,
  ) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @UserCommandLimited()
  @ApiOperation({ summary: 'Start an order (OrderInitiated)' })
  @ApiResponse({ status: 201, type: CommandAccepted })
  @ApiErrorResponses(400, 401, 403, 422, 429)
  create(@Body() body: CreateOrderDto, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<CommandAccepted> {
    return this.orders.create('shop', principal.id, body.material, context);
  }

  @Put(':id/model')
  @HttpCode(200)
  @UserCommandLimited()
  @ApiOperation({ summary: 'Upload or replace the 3D model (raw binary/ASCII STL or OBJ body; format detected from the bytes)' })
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
    // The route admits customers only, so the customer is the one acting.
    return this.orders.upload('shop', principal.id, orderId, modelStreamOf(request), declaredLength(contentLength), context);
  }

  @Post(':id/model/from-catalog')
  @Idempotent()
  @UserCommandLimited()
  @HttpCode(200)
  @ApiOperation({ summary: 'Use a catalogue piece as the model (no upload)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 422, 429)
  async fromCatalog(
    @Param('id', UuidParamPipe) orderId: string,
    @Body() body: ChooseCatalogItemDto,
    @CurrentPrincipal() principal: Principal,
    @RequestCommandContext() context: CommandContext,
  ): Promise<OrderView> {
    const item = await this.catalog.model(body.catalogItemId);
    return this.orders.command(
      'shop',
      principal.id,
      orderId,
      {
        type: 'AttachModel',
        data: {
          source: 'catalog',
          catalogItemId: item.id,
          blobKey: item.blobKey,
          sha256: item.sha256,
          sizeBytes: item.sizeBytes,
          format: 'stl-binary',
          triangleCount: item.triangleCount,
        },
      },
      context,
    );
  }

  @Post(':id/submit')
  @Idempotent()
  @UserCommandLimited()
  @HttpCode(202)
  @ApiOperation({ summary: 'Submit for pricing (OrderSubmitted); the price follows asynchronously' })
  @ApiResponse({ status: 202, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 429)
  submit(@Param('id', UuidParamPipe) orderId: string, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.orders.submit('shop', principal.id, orderId, context);
  }

  @Post(':id/cancel')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel before manufacturing starts (OrderCancelled)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  async cancel(
    @Param('id', UuidParamPipe) orderId: string,
    @Body() body: CancelOrderDto | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestCommandContext() context: CommandContext,
  ): Promise<OrderView> {
    return this.orders.command(
      'shop',
      principal.id,
      orderId,
      { type: 'CancelOrder', data: { reasonCode: 'CUSTOMER_REQUEST', reason: body?.reason ?? 'cancelled by the customer' } },
      context,
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of my orders: status, model, price (replayed from its stream)' })
  @ApiQuery({ name: 'changedAfter', required: false, description: 'long polling: the revision the caller has (the ETag); with wait, answer once the order is past it' })
  @ApiQuery({ name: 'wait', required: false, description: `long polling: seconds to wait for a revision above changedAfter, at most ${MAX_WAIT_SECONDS}` })
  @ApiResponse({ status: 200, type: OrderView, description: 'the order; ETag: its revision' })
  @ApiErrorResponses(400, 401, 403, 404)
  async get(
    @Param('id', UuidParamPipe) orderId: string,
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    const { changedAfter, waitMs } = parseLongPoll(query);
    const view = await this.orders.getChangedAfter('shop', principal.id, orderId, changedAfter, waitMs, connectionClosed(reply));
    setRevisionTag(reply, view.revision);
    return view;
  }
}
