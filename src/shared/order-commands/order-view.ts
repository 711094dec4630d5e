import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { allowedCommands, type OrderCommandType, type OrderState } from '../order-lifecycle';

/** Commands only the platform itself sends (the pricing worker, support tooling): not a client's next step. */
const INTERNAL_COMMANDS: ReadonlySet<OrderCommandType> = new Set(['RecordPrice', 'RecordPricingAttemptFailure', 'FailPricing', 'RequestPricingRetry']);

export function clientActions(commands: readonly OrderCommandType[]): OrderCommandType[] {
  return commands.filter((command) => !INTERNAL_COMMANDS.has(command));
}

/** What clients see of one order (shop, CRM, MES, partner): status, model, price, and what may happen next. */
export class OrderView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'SUBMITTED' }) status!: string;
  @ApiProperty({ description: 'revision of the last event of the order stream (0 = OrderInitiated)', example: 2 }) revision!: number;
  @ApiProperty({ example: 'GOLD_750' }) material!: string;
  @ApiProperty({ enum: ['shop', 'partner'] }) channel!: string;
  @ApiPropertyOptional({ nullable: true, type: Object }) model!: Record<string, unknown> | null;
  @ApiPropertyOptional({ nullable: true, type: Object }) price!: Record<string, unknown> | null;
  @ApiPropertyOptional({ nullable: true }) trackingNumber!: string | null;
  @ApiPropertyOptional({ nullable: true, type: Object }) cancellation!: Record<string, unknown> | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() statusChangedAt!: string;
  @ApiProperty({ type: [String], description: 'commands the order accepts now' }) allowedActions!: string[];
}

export function toOrderView(state: OrderState, revision: bigint): OrderView {
  if (!state.exists || !state.orderId || !state.status) throw new Error('toOrderView needs an existing order');
  return {
    id: state.orderId,
    status: state.status,
    revision: Number(revision),
    material: state.material ?? '',
    channel: state.channel ?? 'shop',
    model: state.model
      ? {
          format: state.model.format,
          source: state.model.source,
          catalogItemId: state.model.catalogItemId,
          sizeBytes: state.model.sizeBytes,
          sha256: state.model.sha256,
          triangleCount: state.model.triangleCount,
        }
      : null,
    price: state.price ? { currency: state.price.currency, total: state.price.total, breakdown: state.price.breakdown } : null,
    trackingNumber: state.trackingNumber,
    cancellation: state.cancellation,
    createdAt: state.createdAt ?? '',
    statusChangedAt: state.statusChangedAt ?? '',
    allowedActions: clientActions(allowedCommands(state.status)),
  };
}

/** The answer to a command: the order's id, its new status and revision. */
export class CommandAccepted {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() status!: string;
  @ApiProperty() revision!: number;
}
