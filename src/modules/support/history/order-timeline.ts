import type { RecordedEvent } from '../../../infrastructure/event-store/event-store.port';
import { evolve, initialState, type OrderEventEnvelope, type OrderState, type OrderStatus } from '../../../shared/order-lifecycle';

/**
 * Support's view of an order's stream: every event with where it sits
 * (revision, global position), who caused it and in which trace, and how long
 * the order spent in each status. Pure: the caller reads the stream.
 */

export interface TimelineEntry {
  revision: number;
  position: string;
  eventId: string;
  type: string;
  occurredAt: string;
  recordedAt: string;
  actor: { role: string; id: string };
  correlationId: string;
  causationId: string | null;
  /** X-Request-Id of the HTTP request that appended the event; null for jobs and older events. */
  requestId: string | null;
  traceId: string | null;
  schemaVersion: number;
  /** The order's status once this event applied. */
  statusAfter: OrderStatus | null;
  data: unknown;
}

export interface StatusPeriod {
  status: OrderStatus;
  enteredAt: string;
  /** null while the order is still in this status. */
  leftAt: string | null;
  durationMs: number;
  /** True for the current status: its duration runs up to `now`. */
  ongoing: boolean;
}

export interface OrderTimeline {
  orderId: string;
  status: OrderStatus | null;
  revision: number;
  events: TimelineEntry[];
  statusPeriods: StatusPeriod[];
  /** Total time per status over the whole history (a status can be entered more than once). */
  timeInStatusMs: Partial<Record<OrderStatus, number>>;
}

/** The trace id of a W3C traceparent (`00-<trace id>-<span id>-<flags>`), or null. */
export function traceIdOf(traceparent: string | undefined): string | null {
  const match = traceparent ? /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent) : null;
  return match ? match[1]! : null;
}

export function buildTimeline(orderId: string, events: readonly RecordedEvent[], now: Date): OrderTimeline {
  let state: OrderState = initialState();
  const entries: TimelineEntry[] = [];
  const periods: StatusPeriod[] = [];
  for (const event of events) {
    const before = state.status;
    state = evolve(state, event as unknown as OrderEventEnvelope);
    entries.push({
      revision: Number(event.revision),
      position: event.position.toString(),
      eventId: event.id,
      type: event.type,
      occurredAt: event.metadata.occurredAt,
      recordedAt: event.recordedAt.toISOString(),
      actor: { role: event.metadata.actor.role, id: event.metadata.actor.id },
      correlationId: event.metadata.correlationId,
      causationId: event.metadata.causationId,
      requestId: event.metadata.requestId ?? null,
      traceId: traceIdOf(event.metadata.traceparent),
      schemaVersion: event.metadata.schemaVersion,
      statusAfter: state.status,
      data: event.data,
    });
    if (state.status !== null && state.status !== before) {
      const at = event.metadata.occurredAt;
      const previous = periods.at(-1);
      if (previous) closePeriod(previous, at);
      periods.push({ status: state.status, enteredAt: at, leftAt: null, durationMs: 0, ongoing: true });
    }
  }
  const current = periods.at(-1);
  if (current) current.durationMs = Math.max(0, now.getTime() - Date.parse(current.enteredAt));

  const timeInStatusMs: Partial<Record<OrderStatus, number>> = {};
  for (const period of periods) timeInStatusMs[period.status] = (timeInStatusMs[period.status] ?? 0) + period.durationMs;
  return {
    orderId,
    status: state.status,
    revision: events.length === 0 ? -1 : Number(events.at(-1)!.revision),
    events: entries,
    statusPeriods: periods,
    timeInStatusMs,
  };
}

function closePeriod(period: StatusPeriod, leftAt: string): void {
  period.leftAt = leftAt;
  period.ongoing = false;
  period.durationMs = Math.max(0, Date.parse(leftAt) - Date.parse(period.enteredAt));
}

/**
 * The events to replay for a point in the past: up to a revision (inclusive)
 * or up to a time (events that occurred at or before it). Replaying them with
 * the command side's `evolve` gives the state support would have seen then.
 */
export type ReplayPoint = { revision: number } | { at: Date };

export function eventsUpTo(events: readonly RecordedEvent[], point: ReplayPoint): RecordedEvent[] {
  if ('revision' in point) return events.filter((event) => event.revision <= BigInt(point.revision));
  const limit = point.at.getTime();
  return events.filter((event) => Date.parse(event.metadata.occurredAt) <= limit);
}

export function replay(events: readonly RecordedEvent[]): OrderState {
  return events.reduce((state, event) => evolve(state, event as unknown as OrderEventEnvelope), initialState());
}
