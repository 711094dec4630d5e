/**
 * How events change one orders_current row: a pure fold, the read model's
 * own `evolve`. It keeps only what the lists show, and applies events
 * incrementally to the stored row (no stream reload). Statuses come from the
 * lifecycle table (statusOfEvent), so a new status-setting event needs no
 * change here; orders-current.fold.unit.spec.ts replays every event type
 * through this fold and the kernel's `evolve` and compares the two.
 */
import type { RecordedEvent } from '../../../infrastructure/event-store/event-store.port';
import { isOrderEventType, type OrderEvent, type OrderStatus, statusOfEvent } from '../../../shared/order-lifecycle';

export interface OrderRow {
  orderId: string;
  status: OrderStatus;
  /** Timestamps are kept as PostgreSQL-readable text so a row read back and written again is unchanged to the microsecond. */
  statusChangedAt: string;
  createdAt: string;
  material: string;
  /** numeric as text; null until priced. */
  priceTotal: string | null;
  currency: string | null;
  operatorRef: string | null;
  channel: string;
  customerRef: string;
  partnerId: string | null;
  trackingNumber: string | null;
  revision: bigint;
  lastPosition: bigint;
  updatedAt: string;
}

const ORDER_STREAM = /^order-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The order id of an `order-<uuid>` stream, or null for any other stream. */
export function orderIdOfStream(streamId: string): string | null {
  const match = ORDER_STREAM.exec(streamId);
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * The row after `event`, or the same object when the event changes nothing
 * (already applied, or an event of an order the read model never saw begin).
 * `undefined` in, `undefined` out until OrderInitiated.
 */
export function foldOrderRow(row: OrderRow | undefined, event: RecordedEvent): OrderRow | undefined {
  // Positions only grow: an event at or before the row's last one is already in it.
  if (row && event.position <= row.lastPosition) return row;
  const at = occurredAt(event);
  const stamp = { revision: event.revision, lastPosition: event.position, updatedAt: event.recordedAt.toISOString() };
  if (!isOrderEventType(event.type)) {
    // Written by a newer version: keep the row's revision honest, change nothing else.
    return row ? { ...row, ...stamp } : row;
  }
  const known = event as unknown as OrderEvent;
  if (known.type === 'OrderInitiated') {
    if (row) return row;
    const { orderId, customerRef, channel, partnerId, material } = known.data;
    return {
      orderId: orderId.toLowerCase(),
      status: 'INITIATED',
      statusChangedAt: at,
      createdAt: at,
      material,
      priceTotal: null,
      currency: null,
      operatorRef: null,
      channel,
      customerRef,
      partnerId,
      trackingNumber: null,
      ...stamp,
    };
  }
  if (!row) return row;
  const next: OrderRow = { ...row, ...applyData(row, known), ...stamp };
  const status = statusOfEvent(known.type);
  if (status !== null && status !== row.status) {
    next.status = status;
    next.statusChangedAt = at;
  }
  return next;
}

function applyData(row: OrderRow, event: Exclude<OrderEvent, { type: 'OrderInitiated' }>): Partial<OrderRow> {
  switch (event.type) {
    case 'OrderSubmitted':
      // A new submission is priced afresh (as evolve does).
      return { priceTotal: null, currency: null };
    case 'PriceCalculated':
      return { priceTotal: String(event.data.total), currency: event.data.currency };
    case 'ManufacturingStarted':
    case 'ManufacturingCompleted':
    case 'PackagingStarted':
      return { operatorRef: event.data.operatorRef };
    case 'OrderShipped':
      return { operatorRef: event.data.operatorRef, trackingNumber: event.data.trackingNumber };
    case 'ModelUploaded':
    case 'PricingAttemptFailed':
    case 'PricingFailed':
    case 'PricingRetryRequested':
    case 'ManufacturingApproved':
    case 'OrderClosed':
    case 'OrderCancelled':
      return {};
    default:
      return unhandled(row, event);
  }
}

/** Compile time: every event type is listed above. */
function unhandled(_row: OrderRow, _event: never): Partial<OrderRow> {
  return {};
}

/** When the step happened: the command's time from the envelope, else when the store recorded it. */
function occurredAt(event: RecordedEvent): string {
  const value = (event.metadata as { occurredAt?: unknown } | undefined)?.occurredAt;
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : event.recordedAt.toISOString();
}
