/** The projections' public face: what modules and the composition root may import (the build checks it: `npm run lint:deps`). */
export { READ_MODEL_MIGRATIONS } from './read-models/migrations';
export { ProjectionsModule } from './projections.module';
export { allReadModels, EVENTS_OF_REQUEST, type RequestEventRow } from './read-models';
export { type RebuildProgress, rebuildReadModels } from './rebuild/rebuild';
// What the modules read: the read-model pool, the change feed behind the live streams, the orders list's rows and keysets.
export { ReadModelDatabase } from './runtime/read-model-database';
export { OrderChangeFeed, type OrderChangeListener } from './runtime/order-change-feed';
export { OrderRevisionWaiters } from './runtime/order-revision-waiters';
export {
  exactUtc,
  KEYSET_END,
  KEYSET_START,
  LIST_ITEM_COLUMNS,
  type ListRow,
  type OrderListItem,
  type OrderListPage,
  parseStatusFilter,
  toListItem,
} from './read-models/orders-current/orders-list';
