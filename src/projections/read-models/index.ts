import type { ReadModel } from '../runtime/read-model';
import { OrdersCurrentReadModel } from './orders-current/orders-current.read-model';
import { RequestEventsReadModel } from './request-events/request-events.read-model';

/**
 * Every read model the projector keeps, in the order it applies them within
 * a batch. A module that needs its own read model adds it here (its tables
 * and migration stay in the module); the live projector and the rebuild
 * both take this list.
 */
export function allReadModels(): ReadModel[] {
  return [new OrdersCurrentReadModel(), new RequestEventsReadModel()];
}

export { EVENTS_OF_REQUEST, type RequestEventRow } from './request-events/request-events.queries';
