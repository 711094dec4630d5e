import type { RecordedEvent } from '../../../infrastructure/event-store/event-store.port';
import { evolve, initialState, type OrderEventEnvelope, orderEventProblem, type OrderState, type OrderStatus } from '../../../shared/order-lifecycle';

/**
 * Support's view of an order's stream: every event with where it sits
 * (revision, global position), who caused it and in which trace, and how long
 * the order spent in each status. Pure: the caller reads the stream.
 *
 * An event this version cannot read (see orderEventProblem) is listed with
 * its `problem` and whatever its envelope still says, and left out of the
 * state: support must see a poisoned order's history most of all.
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
  /** Why this version cannot read the event (it was left out of the state); null for a readable event. */
  problem: string | null;
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
  /** True when some event cannot be read (its entry says why): the order answers ORDER_STREAM_CORRUPT elsewhere. */
  corrupt: boolean;
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
    const problem = orderEventProblem(event);
    if (problem === null) state = evolve(state, event as unknown as OrderEventEnvelope);
    const metadata = envelopeOf(event);
    entries.push({
      revision: Number(event.revision),
      position: event.position.toString(),
      eventId: event.id,
      type: event.type,
      occurredAt: metadata.occurredAt,
      recordedAt: event.recordedAt.toISOString(),
      actor: metadata.actor,
      correlationId: metadata.correlationId,
      causationId: metadata.causationId,
      requestId: metadata.requestId,
      traceId: traceIdOf(metadata.traceparent),
      schemaVersion: metadata.schemaVersion,
      statusAfter: state.status,
      data: event.data,
      problem,
    });
    if (state.status !== null && state.status !== before) {
      const at = metadata.occurredAt;
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
    corrupt: entries.some((entry) => entry.problem !== null),
  };
}

/**
 * The envelope's fields as the timeline shows them, read defensively (an
 * unreadable event may carry anything): a missing time falls back to when the
 * store recorded the event, a missing actor or id to '?'.
 */
export function envelopeOf(event: RecordedEvent): {
  occurredAt: string;
  actor: { role: string; id: string };
  correlationId: string;
  causationId: string | null;
  requestId: string | null;
  traceparent: string | undefined;
  schemaVersion: number;
} {
  const raw: unknown = event.metadata;
  const metadata = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const actor = (typeof metadata.actor === 'object' && metadata.actor !== null ? metadata.actor : {}) as Record<string, unknown>;
  const occurredAt = text(metadata.occurredAt);
  return {
    occurredAt: occurredAt !== undefined && !Number.isNaN(Date.parse(occurredAt)) ? occurredAt : event.recordedAt.toISOString(),
    actor: { role: text(actor.role) ?? '?', id: text(actor.id) ?? '?' },
    correlationId: text(metadata.correlationId) ?? '?',
    causationId: text(metadata.causationId) ?? null,
    requestId: text(metadata.requestId) ?? null,
    traceparent: text(metadata.traceparent),
    schemaVersion: typeof metadata.schemaVersion === 'number' ? metadata.schemaVersion : 0,
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
  return events.filter((event) => Date.parse(envelopeOf(event).occurredAt) <= limit);
}

/** The state after `events`, leaving out those this version cannot read (the caller lists them: unreadableOf). */
export function replay(events: readonly RecordedEvent[]): OrderState {
  return events.reduce((state, event) => (orderEventProblem(event) === null ? evolve(state, event as unknown as OrderEventEnvelope) : state), initialState());
}

/** The events `replay` leaves out, and why. */
export function unreadableOf(events: readonly RecordedEvent[]): Array<{ revision: number; position: string; type: string; problem: string }> {
  const unreadable: Array<{ revision: number; position: string; type: string; problem: string }> = [];
  for (const event of events) {
    const problem = orderEventProblem(event);
    if (problem !== null) unreadable.push({ revision: Number(event.revision), position: String(event.position), type: event.type, problem });
  }
  return unreadable;
}
