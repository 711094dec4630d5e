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
import { SellerCancelDto } from './dto/crm.dto';

/** Seller actions on any order. */
@ApiTags('crm')
@ApiBearerAuth()
@Roles('seller')
@Controller('api/crm/orders')
export class CrmOrdersController {
  constructor(private readonly orders: OrderCommands) {}

  @Post(':id/approve')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve the priced order for manufacturing (ManufacturingApproved)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  approve(@Param('id', UuidParamPipe) orderId: string, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, context, { type: 'ApproveManufacturing', data: { approvedVia: 'seller' } });
  }

  @Post(':id/cancel')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel before manufacturing starts (OrderCancelled)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  cancel(@Param('id', UuidParamPipe) orderId: string, @Body() body: SellerCancelDto | undefined, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, context, {
      type: 'CancelOrder',
      data: { reasonCode: 'SELLER_CANCELLED', reason: body?.reason ?? 'cancelled by the seller' },
    });
  }

  @Post(':id/close')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Close a shipped order (OrderClosed)' })
  @ApiResponse({ status: 200, type: OrderView })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  close(@Param('id', UuidParamPipe) orderId: string, @RequestCommandContext() context: CommandContext): Promise<OrderView> {
    return this.run(orderId, context, { type: 'CloseOrder', data: { closedVia: 'seller', deliveredAt: null } });
  }

  /** Staff act on any order. */
  private run(orderId: string, context: CommandContext, command: OrderCommandRequest): Promise<OrderView> {
    return this.orders.run(orderId, command, context);
  }
}
