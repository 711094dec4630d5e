/**
 * The order decider (Emmett style): `initialState`, `evolve`, `decide`.
 *
 * - `evolve(state, event)` is total and pure. It takes the event with its
 *   envelope's `metadata.occurredAt` when there is one (a RecordedEvent from
 *   the store fits), because the state keeps a few times (createdAt,
 *   statusChangedAt, closedAt) that the bare `{ type, data }` does not carry.
 *   Without metadata those times are null. Event types this version does not
 *   know (written by a newer deployment during a rolling update) are ignored,
 *   so reading a stream never fails.
 * - `decide(command, state)` returns bare events, or throws an
 *   OrderDomainError. It checks, in this order: the order exists (or, for
 *   InitiateOrder, does not), the transition table allows the command in the
 *   current status (409 with the allowed commands), then the payload against
 *   the state (422). The handler tracks the stream revision; the state does
 *   not.
 */
import type { ActorRole } from './actors';
import type { CommandMetadata, OrderCommand, OrderCommandOf, OrderCommandType } from './commands';
import { DomainValidationError, IllegalTransitionError, OrderAlreadyExistsError, OrderNotFoundError } from './errors';
import { CONTRACT_CARRIER, type ApprovalChannel, type Carrier, type ClosedVia, type ModelSummary, type OrderEvent, type OrderPrice, type SalesChannel } from './events';
import type { MaterialCode, OrderStatus } from './statuses';
import { allowedCommands, canApply, statusOfEvent } from './transitions';

/** An event as evolve reads it: the bare event, optionally with its envelope's time. */
export type OrderEventEnvelope = OrderEvent & { metadata?: { occurredAt: string } };

export interface PricingFailureSummary {
  submissionId: string;
  /** null for the final PricingFailed. */
  attempt: number | null;
  code: string;
  reason: string;
  willRetry: boolean;
  nextRetryAt: string | null;
}

export interface OrderState {
  /** false until OrderInitiated; every other field is then null/empty. */
  exists: boolean;
  orderId: string | null;
  status: OrderStatus | null;
  customerRef: string | null;
  channel: SalesChannel | null;
  partnerId: string | null;
  material: MaterialCode | null;
  model: ModelSummary | null;
  /** The latest submission: the pricing job key that PriceCalculated and pricing failures must match. */
  submissionId: string | null;
  price: OrderPrice | null;
  /** Failed pricing attempts recorded for the current submission. */
  pricingAttempts: number;
  /** The latest pricing failure of the current submission (an attempt or the final one), for diagnosis. */
  lastPricingFailure: PricingFailureSummary | null;
  /** Support's re-enqueue requests for the current submission. */
  pricingRetryRequests: number;
  approvedVia: ApprovalChannel | null;
  /** The operator of the latest factory step. */
  operatorRef: string | null;
  trackingNumber: string | null;
  /** Who carries the parcel, once shipped. */
  carrier: Carrier | null;
  cancellation: { reasonCode: string; reason: string; cancelledBy: ActorRole } | null;
  closedVia: ClosedVia | null;
  deliveredAt: string | null;
  createdAt: string | null;
  /** When the order entered its current status (a model replacement keeps FILE_UPLOADED and its time). */
  statusChangedAt: string | null;
  closedAt: string | null;
}

export function initialState(): OrderState {
  return {
    exists: false,
    orderId: null,
    status: null,
    customerRef: null,
    channel: null,
    partnerId: null,
    material: null,
    model: null,
    submissionId: null,
    price: null,
    pricingAttempts: 0,
    lastPricingFailure: null,
    pricingRetryRequests: 0,
    approvedVia: null,
    operatorRef: null,
    trackingNumber: null,
    carrier: null,
    cancellation: null,
    closedVia: null,
    deliveredAt: null,
    createdAt: null,
    statusChangedAt: null,
    closedAt: null,
  };
}

export function evolve(state: OrderState, event: OrderEventEnvelope): OrderState {
  const at = event.metadata?.occurredAt ?? null;
  const next = applyData(state, event, at);
  const status = statusOfEvent(event.type);
  if (status === null || status === next.status) return next;
  return { ...next, status, statusChangedAt: at };
}

export function foldOrder(events: readonly OrderEventEnvelope[]): OrderState {
  return events.reduce(evolve, initialState());
}

function applyData(state: OrderState, event: OrderEventEnvelope, at: string | null): OrderState {
  switch (event.type) {
    case 'OrderInitiated': {
      const { orderId, customerRef, channel, partnerId, material } = event.data;
      return { ...state, exists: true, orderId, customerRef, channel, partnerId, material, createdAt: at };
    }
    case 'ModelUploaded':
      return { ...state, model: { ...event.data } };
    case 'OrderSubmitted':
      // A new submission starts pricing afresh.
      return { ...state, submissionId: event.data.submissionId, price: null, pricingAttempts: 0, lastPricingFailure: null, pricingRetryRequests: 0 };
    case 'PriceCalculated':
      return { ...state, price: { ...event.data, breakdown: { ...event.data.breakdown, lines: [...event.data.breakdown.lines] } } };
    case 'PricingAttemptFailed':
      return { ...state, pricingAttempts: state.pricingAttempts + 1, lastPricingFailure: { ...event.data } };
    case 'PricingFailed':
      return { ...state, lastPricingFailure: { ...event.data, attempt: null, willRetry: false, nextRetryAt: null } };
    case 'PricingRetryRequested':
      return { ...state, pricingRetryRequests: state.pricingRetryRequests + 1 };
    case 'ManufacturingApproved':
      return { ...state, approvedVia: event.data.approvedVia };
    case 'ManufacturingStarted':
    case 'ManufacturingCompleted':
    case 'PackagingStarted':
      return { ...state, operatorRef: event.data.operatorRef };
    case 'OrderShipped':
      return {
        ...state,
        operatorRef: event.data.operatorRef,
        trackingNumber: event.data.trackingNumber,
        // A copy by spread: evolve stays total even for a v1 event that was not upcast (it gives {}, never a throw).
        carrier: { ...event.data.carrier },
      };
    case 'OrderClosed':
      return { ...state, closedVia: event.data.closedVia, deliveredAt: event.data.deliveredAt, closedAt: at };
    case 'OrderCancelled': {
      const { reasonCode, reason, cancelledBy } = event.data;
      return { ...state, cancellation: { reasonCode, reason, cancelledBy } };
    }
    default:
      return ignoreUnknownEvent(state, event);
  }
}

/** Compile time: every known event is handled above. Run time: a newer event type; skip it. */
function ignoreUnknownEvent(state: OrderState, _event: never): OrderState {
  return state;
}

/** reasonCode of the OrderCancelled that FailPricing appends. */
export const PRICING_FAILED_REASON_CODE = 'PRICING_FAILED';

/**
 * Would the order accept a command of this type now? The lifecycle table's
 * answer, the decider's first check: throws OrderNotFoundError or
 * IllegalTransitionError (with the commands it would accept), as `decide`
 * would. Callers ask it before costly work (reading an upload) so they do
 * not repeat the table.
 */
export function assertAccepts(type: OrderCommandType, state: OrderState): void {
  if (type === 'InitiateOrder') {
    if (state.exists) throw new OrderAlreadyExistsError(state.orderId ?? '');
    return;
  }
  if (!state.exists || state.status === null) throw new OrderNotFoundError(type);
  if (!canApply(type, state.status)) throw new IllegalTransitionError(state.status, type, allowedCommands(state.status));
}

export function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  if (command.type !== 'InitiateOrder') assertAccepts(command.type, state);
  switch (command.type) {
    case 'InitiateOrder':
      return initiateOrder(command, state);
    case 'AttachModel':
      return attachModel(command);
    case 'SubmitOrder':
      check(isUuid(command.data.submissionId), 'INVALID_SUBMISSION_ID', 'submissionId must be a UUID');
      return [{ type: 'OrderSubmitted', data: { submissionId: command.data.submissionId } }];
    case 'RecordPrice':
      return recordPrice(command, state);
    case 'RecordPricingAttemptFailure':
      return recordPricingAttemptFailure(command, state);
    case 'FailPricing': {
      const { submissionId, code, reason } = command.data;
      assertCurrentSubmission(submissionId, state);
      check(isNonEmpty(code), 'INVALID_PRICING_FAILURE', 'a pricing failure needs a code');
      return [
        { type: 'PricingFailed', data: { submissionId, code, reason } },
        { type: 'OrderCancelled', data: { reasonCode: PRICING_FAILED_REASON_CODE, reason, cancelledBy: command.metadata.actor.role } },
      ];
    }
    case 'RequestPricingRetry':
      return [{ type: 'PricingRetryRequested', data: { submissionId: currentSubmission(state), requestedBy: command.metadata.actor.id } }];
    case 'ApproveManufacturing':
      // A partner confirms its own quote; a shop order is approved by a seller.
      check(command.data.approvedVia !== 'partner' || state.channel === 'partner', 'APPROVAL_CHANNEL_MISMATCH', 'only a partner order can be approved by its partner', {
        approvedVia: command.data.approvedVia,
        channel: state.channel,
      });
      return [{ type: 'ManufacturingApproved', data: { approvedVia: command.data.approvedVia } }];
    case 'StartManufacturing':
      return [{ type: 'ManufacturingStarted', data: { operatorRef: operatorOf(command.metadata) } }];
    case 'CompleteManufacturing':
      return [{ type: 'ManufacturingCompleted', data: { operatorRef: operatorOf(command.metadata) } }];
    case 'StartPackaging':
      return [{ type: 'PackagingStarted', data: { operatorRef: operatorOf(command.metadata) } }];
    case 'ShipOrder': {
      const trackingNumber = typeof command.data.trackingNumber === 'string' ? command.data.trackingNumber.trim() : '';
      check(TRACKING_NUMBER.test(trackingNumber), 'INVALID_TRACKING_NUMBER', 'trackingNumber must be 1-64 letters, digits, spaces or -_./');
      const { code, name } = command.data.carrier ?? CONTRACT_CARRIER;
      check(typeof code === 'string' && CARRIER_CODE.test(code), 'INVALID_CARRIER', 'carrier.code must be an UPPER_SNAKE_CASE code');
      check(isNonEmpty(name) && name.length <= 100, 'INVALID_CARRIER', 'carrier.name must be 1-100 characters');
      return [{ type: 'OrderShipped', data: { operatorRef: operatorOf(command.metadata), carrier: { code, name }, trackingNumber } }];
    }
    case 'CloseOrder': {
      const { closedVia, deliveredAt } = command.data;
      // The carrier's confirmation is the proof of delivery, so it must say when; a seller may not know.
      check(
        deliveredAt === null ? closedVia === 'seller' : isIsoTimestamp(deliveredAt),
        'INVALID_DELIVERED_AT',
        closedVia === 'carrier' ? 'a carrier close needs deliveredAt as an ISO-8601 time' : 'deliveredAt must be null or an ISO-8601 time',
      );
      return [{ type: 'OrderClosed', data: { closedVia, deliveredAt } }];
    }
    case 'CancelOrder': {
      const { reasonCode, reason } = command.data;
      check(REASON_CODE.test(reasonCode), 'INVALID_CANCELLATION', 'reasonCode must be an UPPER_SNAKE_CASE code');
      check(typeof reason === 'string' && reason.length <= 500, 'INVALID_CANCELLATION', 'reason must be at most 500 characters');
      return [{ type: 'OrderCancelled', data: { reasonCode, reason, cancelledBy: command.metadata.actor.role } }];
    }
    default:
      return assertNever(command);
  }
}

function initiateOrder({ data }: OrderCommandOf<'InitiateOrder'>, state: OrderState): OrderEvent[] {
  if (state.exists) throw new OrderAlreadyExistsError(state.orderId ?? data.orderId);
  const { orderId, customerRef, channel, partnerId, material } = data;
  check(isUuid(orderId), 'INVALID_ORDER_ID', 'orderId must be a UUID');
  check(isNonEmpty(customerRef), 'INVALID_CUSTOMER_REF', 'customerRef must be a non-empty opaque id');
  check(channel === 'partner' ? isNonEmpty(partnerId) : partnerId === null, 'INVALID_PARTNER', 'partnerId is required for the partner channel and must be null for the shop', {
    channel,
  });
  // Only the shape: whether the price list offers it is the caller's check (the list may grow).
  check(MATERIAL_CODE.test(material), 'INVALID_MATERIAL', 'material must be a material code such as GOLD_750', { material });
  return [{ type: 'OrderInitiated', data: { orderId, customerRef, channel, partnerId, material } }];
}

function attachModel({ data }: OrderCommandOf<'AttachModel'>): OrderEvent[] {
  const invalid = (field: string, message: string) => new DomainValidationError('INVALID_MODEL', message, { field });
  if (!isNonEmpty(data.blobKey)) throw invalid('blobKey', 'blobKey must be non-empty');
  if (!SHA256.test(data.sha256)) throw invalid('sha256', 'sha256 must be 64 lowercase hex digits');
  if (!Number.isSafeInteger(data.sizeBytes) || data.sizeBytes <= 0) throw invalid('sizeBytes', 'sizeBytes must be a positive integer');
  if (!MODEL_FORMATS.includes(data.format)) throw invalid('format', `format must be one of ${MODEL_FORMATS.join(', ')}`);
  if (data.triangleCount !== null && (!Number.isSafeInteger(data.triangleCount) || data.triangleCount <= 0)) {
    throw invalid('triangleCount', 'triangleCount must be a positive integer or null');
  }
  const catalogItemId = data.source === 'catalog' ? data.catalogItemId : null;
  if (data.source === 'catalog' && !isNonEmpty(catalogItemId)) throw invalid('catalogItemId', 'a catalogue model needs its catalogItemId');
  const { blobKey, sha256, sizeBytes, format, source, triangleCount } = data;
  return [{ type: 'ModelUploaded', data: { blobKey, sha256, sizeBytes, format, source, catalogItemId, triangleCount } }];
}

function recordPrice({ data }: OrderCommandOf<'RecordPrice'>, state: OrderState): OrderEvent[] {
  assertCurrentSubmission(data.submissionId, state);
  check(CURRENCY.test(data.currency), 'INVALID_PRICE', 'currency must be an ISO 4217 code', { currency: data.currency });
  check(isMoney(data.total), 'INVALID_PRICE', 'total must be a non-negative amount with at most 2 decimals', { total: data.total });
  // The price is only valid for the metal the customer ordered.
  check(data.breakdown.material === state.material, 'PRICE_MATERIAL_MISMATCH', 'the price was computed for another material', {
    priced: data.breakdown.material,
    ordered: state.material,
  });
  const breakdown = { ...data.breakdown, lines: data.breakdown.lines.map((line) => ({ ...line })) };
  return [{ type: 'PriceCalculated', data: { submissionId: data.submissionId, currency: data.currency, total: data.total, breakdown } }];
}

function recordPricingAttemptFailure({ data }: OrderCommandOf<'RecordPricingAttemptFailure'>, state: OrderState): OrderEvent[] {
  const { submissionId, attempt, code, reason, willRetry, nextRetryAt } = data;
  assertCurrentSubmission(submissionId, state);
  check(Number.isSafeInteger(attempt) && attempt >= 1, 'INVALID_PRICING_ATTEMPT', 'attempt must be a positive integer');
  check(isNonEmpty(code), 'INVALID_PRICING_ATTEMPT', 'a pricing failure needs a code');
  // A retry is announced with its time; a final attempt has none (FailPricing follows it).
  check(
    willRetry ? nextRetryAt !== null && isIsoTimestamp(nextRetryAt) : nextRetryAt === null,
    'INVALID_PRICING_ATTEMPT',
    'nextRetryAt must be an ISO-8601 time exactly when willRetry is true',
  );
  return [{ type: 'PricingAttemptFailed', data: { submissionId, attempt, code, reason, willRetry, nextRetryAt } }];
}

/** Pricing results are keyed by submission: a late answer for an older one must not price the order. */
function assertCurrentSubmission(submissionId: string, state: OrderState): void {
  check(submissionId === state.submissionId, 'STALE_SUBMISSION', 'the result belongs to another submission of this order', {
    submissionId,
    currentSubmissionId: state.submissionId,
  });
}

function currentSubmission(state: OrderState): string {
  // Unreachable through the table (SUBMITTED always has one); kept so a corrupt stream fails loudly.
  if (state.submissionId === null) throw new DomainValidationError('INVALID_SUBMISSION_ID', 'the order has no submission');
  return state.submissionId;
}

function operatorOf(metadata: CommandMetadata): string {
  return metadata.actor.id;
}

function check(condition: boolean, code: ConstructorParameters<typeof DomainValidationError>[0], message: string, details: Record<string, unknown> = {}): asserts condition {
  if (!condition) throw new DomainValidationError(code, message, details);
}

function assertNever(command: never): never {
  throw new Error(`unhandled order command ${JSON.stringify((command as { type?: unknown }).type)}`);
}

const MODEL_FORMATS: readonly string[] = ['stl-binary', 'stl-ascii', 'obj'] satisfies ModelSummary['format'][];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256 = /^[0-9a-f]{64}$/;
const MATERIAL_CODE = /^[A-Z][A-Z0-9_]{0,31}$/;
const CURRENCY = /^[A-Z]{3}$/;
const REASON_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const CARRIER_CODE = /^[A-Z][A-Z0-9_]{0,31}$/;
const TRACKING_NUMBER = /^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const isNonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;
const isUuid = (value: unknown): boolean => typeof value === 'string' && UUID.test(value);
/** Date.parse only reads the string: no clock involved. */
const isIsoTimestamp = (value: unknown): boolean => typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));
const isMoney = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value >= 0 && Math.abs(Math.round(value * 100) - value * 100) < 1e-6;
