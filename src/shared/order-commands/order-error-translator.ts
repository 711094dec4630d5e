import { WrongExpectedRevisionError } from '../../infrastructure/event-store/event-store.port';
import { ApiError } from '../../infrastructure/http/api-error';
import type { ErrorTranslator } from '../../infrastructure/http/error-mapping';
import { DomainValidationError, IllegalTransitionError, OrderAlreadyExistsError, OrderNotFoundError } from '../order-lifecycle';
import { ConcurrentModificationError, NoSuchOrderError } from './order-command.errors';
import { OrderStreamCorruptError } from './order-stream-corrupt.error';
import { clientActions } from './order-view';

/** Domain refusals to HTTP, in one place: 409 for the lifecycle, concurrent changes and unreadable streams, 404 for a missing order, 422 for bad values. */
export const translateOrderErrors: ErrorTranslator = (error) => {
  if (error instanceof IllegalTransitionError) {
    return new ApiError(409, 'ILLEGAL_TRANSITION', error.message, {
      currentStatus: error.currentStatus,
      attempted: error.command,
      allowed: clientActions(error.allowed),
    });
  }
  // The order exists but one of its events cannot be read: a conflict with its stored state, not a server bug.
  if (error instanceof OrderStreamCorruptError) return new ApiError(409, error.code, error.message, error.details);
  // One answer for an order that does not exist and one the caller may not see, so ids cannot be probed.
  if (error instanceof OrderNotFoundError || error instanceof NoSuchOrderError) return new ApiError(404, 'ORDER_NOT_FOUND', 'no such order');
  if (error instanceof OrderAlreadyExistsError) return new ApiError(409, error.code, error.message, error.details);
  if (error instanceof DomainValidationError) return new ApiError(422, error.code, error.message, error.details);
  // Retryable: the idempotency interceptor releases the key of a CONCURRENT_MODIFICATION instead of storing it.
  if (error instanceof ConcurrentModificationError) return new ApiError(409, error.code, error.message, error.details);
  if (error instanceof WrongExpectedRevisionError) return new ApiError(409, 'CONCURRENT_MODIFICATION', ConcurrentModificationError.MESSAGE);
  return undefined;
};
