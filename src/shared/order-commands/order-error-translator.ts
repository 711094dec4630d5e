import { WrongExpectedRevisionError } from '../../infrastructure/event-store/event-store.port';
import { ApiError } from '../../infrastructure/http/api-error';
import type { ErrorTranslator } from '../../infrastructure/http/error-mapping';
import { DomainValidationError, IllegalTransitionError, OrderAlreadyExistsError, OrderNotFoundError } from '../order-lifecycle';
import { OrderStreamCorruptError } from './order-stream-corrupt.error';
import { clientActions } from './order-view';

/** Domain refusals to HTTP, in one place: 409 for the lifecycle and unreadable streams, 404 for a missing order, 422 for bad values. */
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
  if (error instanceof OrderNotFoundError) return new ApiError(404, 'ORDER_NOT_FOUND', 'no such order');
  if (error instanceof OrderAlreadyExistsError) return new ApiError(409, error.code, error.message, error.details);
  if (error instanceof DomainValidationError) return new ApiError(422, error.code, error.message, error.details);
  if (error instanceof WrongExpectedRevisionError) {
    return new ApiError(409, 'CONCURRENT_MODIFICATION', 'the order changed while this command was decided; retry');
  }
  return undefined;
};
