import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../infrastructure/auth/roles.decorator';
import { ApiErrorResponses } from '../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../infrastructure/http/idempotency/idempotent.decorator';
import { RequestCommandContext } from '../../shared/order-commands/request-command-context';
import { UuidParamPipe } from '../../infrastructure/http/uuid-param.pipe';
import type { CommandContext } from '../../shared/order-commands/command-context';
import { type OrderCommandRequest, OrderCommands } from '../../shared/order-commands/order-commands.service';
import { OrderView } from '../../shared/order-commands/order-view';
import { ShipOrderDto } from './dto/mes.dto';

/** Factory-floor steps: take into work, complete, pack, ship. */
@ApiTags('mes')
@ApiBearerAuth()
@Roles('operator')
@Controller('api/mes/orders')
export class MesOrdersController {
  constructor(private readonly orders: OrderCommands) {}

  @Post(':id/start')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Take an approved order into work (ManufacturingStarted)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  start(@Param('id', UuidParamPipe) orderId: string, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, context, { type: 'StartManufacturing', data: {} });
  }

  @Post(':id/complete')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Manufacturing done (ManufacturingCompleted)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  complete(@Param('id', UuidParamPipe) orderId: string, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, context, { type: 'CompleteManufacturing', data: {} });
  }

  @Post(':id/package')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Start packaging (PackagingStarted)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  package(@Param('id', UuidParamPipe) orderId: string, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, context, { type: 'StartPackaging', data: {} });
  }

  @Post(':id/ship')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Hand over to the carrier (OrderShipped)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  ship(@Param('id', UuidParamPipe) orderId: string, @Body() body: ShipOrderDto, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, context, { type: 'ShipOrder', data: { trackingNumber: body.trackingNumber } });
  }

  /** Staff act on any order. */
  private run(orderId: string, context: CommandContext, command: OrderCommandRequest): Promise<OrderView> {
    return this.orders.run(orderId, command, context);
  }
}
