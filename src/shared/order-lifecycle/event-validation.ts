/**
 * Can this version read a stored event? `evolve`, the read models' folds and
 * support's history trust the shape of what they fold; an event written by a
 * bad producer or by old code (a total that is not a number, metadata that
 * is not an object) would make them throw or show nonsense. Every reader asks
 * here first, so "poison" means the same thing everywhere: the command side
 * refuses the stream (ORDER_STREAM_CORRUPT), the consumers park the event.
 *
 * Only the shape the readers rely on is checked, not the business rules
 * `decide` applied when the event was written (an old event that breaks a
 * newer rule is still history). Event types this version does not know are
 * not checked: evolve ignores them (written by a newer deployment).
 */
import { isOrderEventType, type OrderEventType } from './events';

/** What a reader needs of a stored event to check it; a RecordedEvent fits. */
export interface StoredEventShape {
  type: string;
  data: unknown;
  metadata?: unknown;
}

type Check = (data: Record<string, unknown>) => string | null;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** numeric(14, 2) in the read model: anything at or above this does not fit. */
const MAX_TOTAL = 1e12;

const string =
  (field: string): Check =>
  (data) =>
    typeof data[field] === 'string' ? null : expected(field, 'a string', data[field]);
const nullableString =
  (field: string): Check =>
  (data) =>
    data[field] === null || typeof data[field] === 'string' ? null : expected(field, 'a string or null', data[field]);
const finite =
  (field: string): Check =>
  (data) =>
    isFiniteNumber(data[field]) ? null : expected(field, 'a finite number', data[field]);
const nullableFinite =
  (field: string): Check =>
  (data) =>
    data[field] === null || isFiniteNumber(data[field]) ? null : expected(field, 'a finite number or null', data[field]);
const uuid =
  (field: string): Check =>
  (data) =>
    typeof data[field] === 'string' && UUID.test(data[field]) ? null : expected(field, 'a UUID', data[field]);
const boolean =
  (field: string): Check =>
  (data) =>
    typeof data[field] === 'boolean' ? null : expected(field, 'true or false', data[field]);
const oneOf =
  (field: string, values: readonly string[]): Check =>
  (data) =>
    typeof data[field] === 'string' && values.includes(data[field]) ? null : expected(field, `one of ${values.join(', ')}`, data[field]);

const price: Check = (data) => {
  const total = data.total;
  if (!isFiniteNumber(total) || total < 0 || total >= MAX_TOTAL) return expected('total', `a finite amount from 0 to below ${MAX_TOTAL}`, total);
  const breakdown = data.breakdown;
  if (!isPlainObject(breakdown)) return expected('breakdown', 'an object', breakdown);
  if (!Array.isArray(breakdown.lines)) return expected('breakdown.lines', 'an array', breakdown.lines);
  return null;
};

const carrier: Check = (data) => {
  const value = data.carrier;
  if (!isPlainObject(value)) return expected('carrier', 'an object { code, name }', value);
  if (typeof value.code !== 'string') return expected('carrier.code', 'a string', value.code);
  if (typeof value.name !== 'string') return expected('carrier.name', 'a string', value.name);
  return null;
};

/**
 * Per type, the fields its readers use, in the event's current version: the
 * readers check events after upcasting (upcasting.ts), so an old version is
 * never checked against its own shape. A mapped type: a new event type
 * without its checks does not compile.
 */
const DATA_CHECKS: { readonly [T in OrderEventType]: readonly Check[] } = {
  OrderInitiated: [uuid('orderId'), string('customerRef'), oneOf('channel', ['shop', 'partner']), nullableString('partnerId'), string('material')],
  ModelUploaded: [string('blobKey'), string('sha256'), finite('sizeBytes'), string('format'), string('source'), nullableString('catalogItemId'), nullableFinite('triangleCount')],
  OrderSubmitted: [uuid('submissionId')],
  PriceCalculated: [string('submissionId'), string('currency'), price],
  PricingAttemptFailed: [string('submissionId'), finite('attempt'), string('code'), string('reason'), boolean('willRetry'), nullableString('nextRetryAt')],
  PricingFailed: [string('submissionId'), string('code'), string('reason')],
  PricingRetryRequested: [string('submissionId'), string('requestedBy')],
  ManufacturingApproved: [oneOf('approvedVia', ['seller', 'partner'])],
  ManufacturingStarted: [string('operatorRef')],
  ManufacturingCompleted: [string('operatorRef')],
  PackagingStarted: [string('operatorRef')],
  OrderShipped: [string('operatorRef'), string('trackingNumber'), carrier],
  OrderClosed: [oneOf('closedVia', ['seller', 'carrier']), nullableString('deliveredAt')],
  OrderCancelled: [string('reasonCode'), string('reason'), string('cancelledBy')],
};

/**
 * Why this version cannot read the event (one sentence naming the field), or
 * null when it can. Pure and cheap: a few type checks per event.
 */
export function orderEventProblem(event: StoredEventShape): string | null {
  if (!isOrderEventType(event.type)) return null;
  const metadata = event.metadata;
  if (!isPlainObject(metadata)) return `${event.type}: metadata must be an object (got ${describe(metadata)})`;
  const occurredAt = metadata.occurredAt;
  if (typeof occurredAt !== 'string' || Number.isNaN(Date.parse(occurredAt))) return `${event.type}: metadata.occurredAt must be an ISO-8601 time (got ${describe(occurredAt)})`;
  const actor = metadata.actor;
  if (!isPlainObject(actor) || typeof actor.role !== 'string' || typeof actor.id !== 'string') {
    return `${event.type}: metadata.actor must be { role, id } strings (got ${describe(actor)})`;
  }
  const data = event.data;
  if (!isPlainObject(data)) return `${event.type}: data must be an object (got ${describe(data)})`;
  for (const check of DATA_CHECKS[event.type]) {
    const problem = check(data);
    if (problem !== null) return `${event.type}: ${problem}`;
  }
  return null;
}

function expected(field: string, what: string, value: unknown): string {
  return `data.${field} must be ${what} (got ${describe(value)})`;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of a bad value for the message: never the whole payload. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
