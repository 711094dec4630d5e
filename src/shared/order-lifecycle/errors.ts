/**
 * Typed refusals of the decider. Each carries a stable `code` and JSON-safe
 * `details`, so the HTTP layer maps a class to a status in one translator:
 * IllegalTransitionError and OrderAlreadyExistsError -> 409,
 * OrderNotFoundError -> 404, DomainValidationError -> 422.
 */
import type { OrderCommandType } from './commands';
import type { OrderStatus } from './statuses';

export abstract class OrderDomainError extends Error {
  abstract readonly code: string;
  abstract readonly details: Record<string, unknown>;
}

export class IllegalTransitionError extends OrderDomainError {
  override readonly name = 'IllegalTransitionError';
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(
    readonly currentStatus: OrderStatus,
    readonly command: OrderCommandType,
    /** Commands the order accepts in its current status. */
    readonly allowed: readonly OrderCommandType[],
  ) {
    super(`${command} is not allowed in status ${currentStatus}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`);
  }
  get details(): Record<string, unknown> {
    return { currentStatus: this.currentStatus, command: this.command, allowed: [...this.allowed] };
  }
}

export class OrderNotFoundError extends OrderDomainError {
  override readonly name = 'OrderNotFoundError';
  readonly code = 'ORDER_NOT_FOUND';
  constructor(readonly command: OrderCommandType) {
    super(`${command} needs an existing order; this one does not exist`);
  }
  get details(): Record<string, unknown> {
    return { command: this.command };
  }
}

export class OrderAlreadyExistsError extends OrderDomainError {
  override readonly name = 'OrderAlreadyExistsError';
  readonly code = 'ORDER_ALREADY_EXISTS';
  constructor(readonly orderId: string) {
    super(`order ${orderId} already exists`);
  }
  get details(): Record<string, unknown> {
    return { orderId: this.orderId };
  }
}

/** The codes DomainValidationError uses, so clients and tests can rely on a closed list. */
export type DomainValidationCode =
  | 'INVALID_ORDER_ID'
  | 'INVALID_CUSTOMER_REF'
  | 'INVALID_PARTNER'
  | 'INVALID_MATERIAL'
  | 'INVALID_MODEL'
  | 'INVALID_SUBMISSION_ID'
  | 'STALE_SUBMISSION'
  | 'INVALID_PRICE'
  | 'PRICE_MATERIAL_MISMATCH'
  | 'INVALID_PRICING_ATTEMPT'
  | 'INVALID_PRICING_FAILURE'
  | 'APPROVAL_CHANNEL_MISMATCH'
  | 'INVALID_TRACKING_NUMBER'
  | 'INVALID_CARRIER'
  | 'INVALID_DELIVERED_AT'
  | 'INVALID_CANCELLATION';

export class DomainValidationError extends OrderDomainError {
  override readonly name = 'DomainValidationError';
  constructor(
    readonly code: DomainValidationCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
