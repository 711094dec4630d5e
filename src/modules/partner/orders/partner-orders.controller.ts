import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../../infrastructure/auth/principal';
import { CurrentPrincipal, Roles } from '../../../infrastructure/auth/roles.decorator';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../../infrastructure/http/idempotency/idempotent.decorator';
import type { AuthenticatedRequest } from '../../../infrastructure/http/request-context';
import { RequestCommandContext } from '../../../shared/order-commands/request-command-context';
import { UuidParamPipe } from '../../../infrastructure/http/uuid-param.pipe';
import { type CommandContext, commandMetadata } from '../../../shared/order-commands/command-context';
import { newOrderId } from '../../../shared/order-commands/derived-ids';
import { ExecuteOrderCommand, runOrderCommand } from '../../../shared/order-commands/execute-order-command';
import { assertCanAccess } from '../../../shared/order-commands/order-access';
import { OrderCommandExecutor } from '../../../shared/order-commands/order-command.executor';
import { CommandAccepted, OrderView, toOrderView } from '../../../shared/order-commands/order-view';
import type { OrderCommand, OrderState } from '../../../shared/order-lifecycle';
import { MaterialsPolicy, ModelUploadService } from '../../shop';
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
  constructor(
    private readonly commands: CommandBus,
    private readonly orders: OrderCommandExecutor,
    private readonly uploads: ModelUploadService,
    private readonly materials: MaterialsPolicy,
  ) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a partner order (OrderInitiated, channel partner)' })
  @ApiResponse({ status: 201, type: CommandAccepted })
  @ApiErrorResponses(400, 401, 403, 422, 429)
  async create(@Body() body: CreatePartnerOrderDto, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<CommandAccepted> {
    await this.materials.assertKnown(body.material);
    const orderId = newOrderId(context);
    const result = await this.commands.execute(
      new ExecuteOrderCommand(
        orderId,
        {
          type: 'InitiateOrder',
          // The partner's end customer is not known to us: the partner's opaque id stands for it.
          data: { orderId, customerRef: principal.id, channel: 'partner', partnerId: principal.id, material: body.material },
          metadata: commandMetadata(context),
        },
        context,
      ),
    );
    return { id: orderId, status: result.state.status ?? 'INITIATED', revision: Number(result.revision) };
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
    return this.uploads.upload({
      orderId,
      body: modelStreamOf(request),
      contentLength: declaredLength(contentLength),
      principal,
      actingRole: 'partner',
      context,
    });
  }

  @Post(':id/submit')
  @Idempotent()
  @HttpCode(202)
  @ApiOperation({ summary: 'Submit for pricing (OrderSubmitted); the price follows asynchronously' })
  @ApiResponse({ status: 202, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 429)
  submit(@Param('id', UuidParamPipe) orderId: string, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, principal, context, { type: 'SubmitOrder', data: { submissionId: randomUUID() }, metadata: commandMetadata(context) });
  }

  @Post(':id/confirm')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept the calculated price: the partner approves manufacturing (ManufacturingApproved via partner)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 429)
  confirm(@Param('id', UuidParamPipe) orderId: string, @CurrentPrincipal() principal: Principal, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, principal, context, { type: 'ApproveManufacturing', data: { approvedVia: 'partner' }, metadata: commandMetadata(context) });
  }

  @Get(':id')
  @ApiOperation({ summary: "One of the partner's orders: status, model, price" })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 429)
  async get(@Param('id', UuidParamPipe) orderId: string, @CurrentPrincipal() principal: Principal): Promise<OrderView> {
    const authorize = (state: OrderState) => assertCanAccess(principal, 'partner', state);
    const { state, revision } = await this.orders.load(orderId, { authorize });
    authorize(state);
    return toOrderView(state, revision);
  }

  private run(orderId: string, principal: Principal, context: CommandContext, command: OrderCommand): Promise<OrderView> {
    return runOrderCommand(this.commands, orderId, command, context, { authorize: (state) => assertCanAccess(principal, 'partner', state) });
  }
}
