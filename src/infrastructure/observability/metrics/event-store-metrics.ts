import { counter, histogram } from './registry';

/** Lifecycle transitions: every order event appended, by type (`OrderSubmitted`...). */
export const orderEventsAppended = counter('alexandrite_order_events_total', 'Order events appended to the event store, by event type', ['type']);

export const eventStoreAppendDuration = histogram(
  'alexandrite_event_store_append_duration_seconds',
  'Time of one append to the event store, by adapter and outcome (ok, conflict, error)',
  ['adapter', 'outcome'],
  [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
);

/** KurrentDB: events of `order-` streams skipped because they are not ours (another writer), by reason (not_json, no_metadata). */
export const eventStoreEventsDropped = counter(
  'alexandrite_event_store_events_dropped_total',
  'Events of order streams the event store adapter skipped as not written by this app, by reason',
  ['reason'],
);
