/**
 * Event evolution. A stored event keeps the shape it was written in forever;
 * readers (the decider, the projector, support's history, webhooks) only
 * ever see the current shape of each type (EVENT_SCHEMA_VERSIONS). The step
 * between is a chain of upcasters per event type, one per version step,
 * applied when events are read from the store: infrastructure/event-store
 * wraps every adapter in an UpcastingEventStore that calls
 * `upcastOrderEvent`, so there is one place where stored events become
 * domain events. The rules for changing an event are in docs/EVENTS.md.
 *
 * Upcasters are pure and total: data they cannot read (not an object) is
 * returned as it is, and the readers' check (orderEventProblem) names the
 * problem. An event written by a newer version than this one is returned as
 * it is too (a rolling update): the readers check whether they can use it.
 */
import type { StoredEventShape } from './event-validation';
import { CONTRACT_CARRIER, EVENT_SCHEMA_VERSIONS, isOrderEventType, type OrderEventType } from './events';

/** One version step of one event type's data: version n in, version n + 1 out. Never mutates its input. */
export type Upcaster = (data: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/**
 * Per event type, its upcasters in order: index 0 takes version 1 to 2, index
 * 1 takes 2 to 3, and so on, so a type's chain is one shorter than its
 * current version (checked by a unit test). Types still at version 1 have none.
 */
export const EVENT_UPCASTERS: { readonly [T in OrderEventType]?: readonly Upcaster[] } = {
  OrderShipped: [
    // v1 -> v2: v1 named no carrier because there was only one; v2 names it, so no reader has to guess.
    (v1) => ({ ...v1, carrier: { ...CONTRACT_CARRIER } }),
  ],
};

/** The schema version an envelope says its data has; events from before versioning (no number) are version 1. */
export function schemaVersionOf(metadata: unknown): number {
  const version = isPlainObject(metadata) ? metadata.schemaVersion : undefined;
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 1 ? version : 1;
}

/**
 * The event in the current version of its type, with `metadata.schemaVersion`
 * saying so. The same object when there is nothing to do (current version,
 * unknown type, unreadable envelope), so the common case costs a lookup.
 */
export function upcastOrderEvent<E extends StoredEventShape>(event: E): E {
  if (!isOrderEventType(event.type)) return event;
  const chain = EVENT_UPCASTERS[event.type];
  if (chain === undefined || !isPlainObject(event.metadata) || !isPlainObject(event.data)) return event;
  const current = EVENT_SCHEMA_VERSIONS[event.type];
  const stored = schemaVersionOf(event.metadata);
  if (stored >= current) return event;
  let data: Record<string, unknown> = event.data;
  for (let version = stored; version < current; version++) {
    const step = chain[version - 1];
    // Unreachable while the chain-length test holds; kept so a gap shows as the unchanged (and then refused) event.
    if (step === undefined) return event;
    data = step(data);
  }
  return { ...event, data, metadata: { ...event.metadata, schemaVersion: current } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
