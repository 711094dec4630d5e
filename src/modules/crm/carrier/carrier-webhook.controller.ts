import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../../../infrastructure/auth/roles.decorator';
import { ApiError } from '../../../infrastructure/http/api-error';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../../infrastructure/http/idempotency/idempotent.decorator';
import type { CommandContext } from '../../../shared/order-commands/command-context';
import { NoSuchOrderError } from '../../../shared/order-commands/order-command.errors';
import { OrderCommands } from '../../../shared/order-commands/order-commands.service';
import { CarrierDeliveredDto } from '../dto/crm.dto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './carrier-signature';
import { CarrierSignatureGuard } from './carrier-signature.guard';

/** The carrier confirms a delivery; its HMAC signature is its credential. */
@ApiTags('crm')
@Controller('api/crm/carrier')
export class CarrierWebhookController {
  constructor(private readonly orders: OrderCommands) {}

  @Post('delivered')
  @Idempotent()
  @Public()
  @UseGuards(CarrierSignatureGuard)
  @HttpCode(200)
  @ApiOperation({ summary: 'Carrier delivery confirmation: closes the shipped order (HMAC-SHA256 signed)' })
  @ApiHeader({ name: TIMESTAMP_HEADER, description: 'unix seconds; within 5 minutes of our clock' })
  @ApiHeader({ name: SIGNATURE_HEADER, description: 'sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">' })
  @ApiResponse({ status: 200, description: '{ orderId, status, alreadyClosed }' })
  @ApiErrorResponses(400, 401, 404, 409, 422)
  async delivered(@Body() body: CarrierDeliveredDto, @Req() request: FastifyRequest): Promise<{ orderId: string; status: string; alreadyClosed: boolean }> {
    const { state } = await this.orders.load(body.orderId);
    if (!state.exists) throw new NoSuchOrderError(body.orderId);
    // Carriers resend confirmations; a second one for a delivered order is a success, not an error.
    if (state.status === 'CLOSED' && state.closedVia === 'carrier') return { orderId: body.orderId, status: 'CLOSED', alreadyClosed: true };
    if (body.trackingNumber && state.trackingNumber && body.trackingNumber !== state.trackingNumber) {
      throw new ApiError(422, 'TRACKING_NUMBER_MISMATCH', 'the tracking number is not the one this order was shipped with');
    }
    const context: CommandContext = { actor: { role: 'carrier', id: 'carrier-webhook' }, correlationId: randomUUID(), causationId: request.id, requestId: request.id };
    const result = await this.orders.execute(body.orderId, { type: 'CloseOrder', data: { closedVia: 'carrier', deliveredAt: new Date(body.deliveredAt).toISOString() } }, context);
    return { orderId: body.orderId, status: result.state.status ?? 'CLOSED', alreadyClosed: false };
  }
}
