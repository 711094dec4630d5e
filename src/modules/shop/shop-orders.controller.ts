import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, UserCommandLimited } from '../../infrastructure/auth/roles.decorator';
import type { Principal } from '../../infrastructure/auth/principal';
import { ApiErrorResponses } from '../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../infrastructure/http/idempotency/idempotent.decorator';
import type { AuthenticatedRequest } from '../../infrastructure/http/request-context';
import { RequestCommandContext } from '../../shared/order-commands/request-command-context';
import { UuidParamPipe } from '../../infrastructure/http/uuid-param.pipe';
import { type CommandContext, commandMetadata } from '../../shared/order-commands/command-context';
import { newOrderId } from '../../shared/order-commands/derived-ids';
import { ExecuteOrderCommand, runOrderCommand } from '../../shared/order-commands/execute-order-command';
import { assertCanAccess } from '../../shared/order-commands/order-access';
import { OrderCommandExecutor } from '../../shared/order-commands/order-command.executor';
import { CommandAccepted, OrderView, toOrderView } from '../../shared/order-commands/order-view';
import type { OrderCommand, OrderState } from '../../shared/order-lifecycle';
import { CatalogService } from './catalog/catalog.service';
import { CancelOrderDto, ChooseCatalogItemDto, CreateOrderDto } from './dto/shop.dto';
import { MaterialsPolicy } from './materials.policy';
import { ModelUploadService } from './model-upload/model-upload.service';
import { declaredLength, MODEL_CONTENT_TYPES, modelStreamOf } from '../pricing';

@ApiTags('shop')
@ApiBearerAuth()
@Roles('customer')
@Controller('api/shop/orders')
export class ShopOrdersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly orders: OrderCommandExecutor,
    private readonly uploads: ModelUploadService,
    private readonly catalog: CatalogService,
    private readonly materials: MaterialsPolicy,
  ) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @UserCommandLimited()
  @ApiOperation({ summary: 'Start an order (OrderInitiated)' })
  @ApiResponse({ status: 201, type: CommandAccepted })
  @ApiErrorResponses(400, 401, 403, 422, 429)
  async create(@Body() body: CreateOrderDto, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<CommandAccepted> {
    await this.materials.assertKnown(body.material);
    const orderId = newOrderId(context);
    const result = await this.commands.execute(
      new ExecuteOrderCommand(
        orderId,
        {
          type: 'InitiateOrder',
          data: { orderId, customerRef: principal.id, channel: 'shop', partnerId: null, material: body.material },
          metadata: commandMetadata(context),
        },
        context,
      ),
    );
    return { id: orderId, status: result.state.status ?? 'INITIATED', revision: Number(result.revision) };
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
    return this.uploads.upload({
      orderId,
      body: modelStreamOf(request),
      contentLength: declaredLength(contentLength),
      principal,
      actingRole: request.actingRole ?? 'customer',
      context,
    });
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
    return this.run(orderId, principal, context, {
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
      metadata: commandMetadata(context),
    });
  }

  @Post(':id/submit')
  @Idempotent()
  @UserCommandLimited()
  @HttpCode(202)
  @ApiOperation({ summary: 'Submit for pricing (OrderSubmitted); the price follows asynchronously' })
  @ApiResponse({ status: 202, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 429)
  async submit(@Param('id', UuidParamPipe) orderId: string, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, principal, context, {
      type: 'SubmitOrder',
      data: { submissionId: randomUUID() },
      metadata: commandMetadata(context),
    });
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
    return this.run(orderId, principal, context, {
      type: 'CancelOrder',
      data: { reasonCode: 'CUSTOMER_REQUEST', reason: body?.reason ?? 'cancelled by the customer' },
      metadata: commandMetadata(context),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of my orders: status, model, price (replayed from its stream)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404)
  async get(@Param('id', UuidParamPipe) orderId: string, @CurrentPrincipal() principal: Principal): Promise<OrderView> {
    const authorize = (state: OrderState) => assertCanAccess(principal, 'customer', state);
    const { state, revision } = await this.orders.load(orderId, { authorize });
    authorize(state);
    return toOrderView(state, revision);
  }

  private run(orderId: string, principal: Principal, context: CommandContext, command: OrderCommand): Promise<OrderView> {
    return runOrderCommand(this.commands, orderId, command, context, { authorize: (state) => assertCanAccess(principal, 'customer', state) });
  }
}
