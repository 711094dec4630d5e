/**
 * The events of an order stream: `{ type, data }`, the part the domain
 * decides. The command handler wraps each one in the store's envelope
 * (`id`, `metadata` with `occurredAt`, `actor` and `schemaVersion`), so the
 * decider needs neither randomness nor a clock.
 *
 * Event names are binding (ARCHITECTURE.md). A payload change that old
 * readers cannot ignore bumps that event's entry in EVENT_SCHEMA_VERSIONS and
 * adds an upcaster from the previous version (upcasting.ts, docs/EVENTS.md).
 */
import type { ActorRole } from './actors';
import type { MaterialCode } from './statuses';

type Event<TType extends string, TData> = { type: TType; data: TData };

export type SalesChannel = 'shop' | 'partner';
export type ModelFormat = 'stl-binary' | 'stl-ascii' | 'obj';
export type ModelSource = 'upload' | 'catalog';

export type OrderInitiated = Event<
  'OrderInitiated',
  {
    orderId: string;
    /** Opaque id of the customer (JWT `sub`) or the partner's end customer; never personal data. */
    customerRef: string;
    channel: SalesChannel;
    /** Set exactly when channel is 'partner'. */
    partnerId: string | null;
    material: MaterialCode;
  }
>;

/** The order's model, as stored and measured; also the state's model summary. */
export interface ModelSummary {
  blobKey: string;
  sha256: string;
  sizeBytes: number;
  format: ModelFormat;
  source: ModelSource;
  /** Set exactly when source is 'catalog'. */
  catalogItemId: string | null;
  /** Known once the model has been parsed; null when the upload path does not count them. */
  triangleCount: number | null;
}
export type ModelUploaded = Event<'ModelUploaded', ModelSummary>;

export type OrderSubmitted = Event<'OrderSubmitted', { /** UUID; also the key of the durable pricing job. */ submissionId: string }>;

export interface PriceLine {
  label: string;
  amount: number;
}

export interface PriceBreakdown {
  material: MaterialCode;
  massGrams: number;
  volumeMm3: number;
  surfaceAreaMm2: number;
  materialCost: number;
  labourCost: number;
  /** The price list's minimum order value replaced the computed total. */
  minimumApplied: boolean;
  /** Anything else the price rules add (setting, finishing, surcharges), in display order. */
  lines: PriceLine[];
}

export interface OrderPrice {
  submissionId: string;
  /** ISO 4217, e.g. 'EUR'. */
  currency: string;
  /** In currency units, at most 2 decimals. */
  total: number;
  breakdown: PriceBreakdown;
}
export type PriceCalculated = Event<'PriceCalculated', OrderPrice>;

/** One pricing attempt failed. No status change: it keeps the history truthful about retries. */
export type PricingAttemptFailed = Event<
  'PricingAttemptFailed',
  { submissionId: string; attempt: number; code: string; reason: string; willRetry: boolean; nextRetryAt: string | null }
>;

/** Pricing gave up. No status change of its own: the same decision appends OrderCancelled right after it. */
export type PricingFailed = Event<'PricingFailed', { submissionId: string; code: string; reason: string }>;

/** Support re-enqueued the pricing job of a submission. No status change; audited by this event. */
export type PricingRetryRequested = Event<'PricingRetryRequested', { submissionId: string; /** Opaque actor id. */ requestedBy: string }>;

export type ApprovalChannel = 'seller' | 'partner';
export type ManufacturingApproved = Event<'ManufacturingApproved', { approvedVia: ApprovalChannel }>;

/** `operatorRef` is the opaque id of the operator who did the step. */
export type ManufacturingStarted = Event<'ManufacturingStarted', { operatorRef: string }>;
export type ManufacturingCompleted = Event<'ManufacturingCompleted', { operatorRef: string }>;
export type PackagingStarted = Event<'PackagingStarted', { operatorRef: string }>;
/** Who carries a parcel: a stable code (for keys and tracking links) and a display name. */
export interface Carrier {
  /** UPPER_SNAKE_CASE, e.g. 'CONTRACT_CARRIER'. */
  code: string;
  name: string;
}

/**
 * The carrier every shipment went with before OrderShipped named one (schema
 * version 1): the contract carrier, whose signed webhook confirms deliveries.
 * The v1 -> v2 upcaster fills it in, and a ShipOrder without a carrier uses it.
 */
export const CONTRACT_CARRIER: Readonly<Carrier> = Object.freeze({ code: 'CONTRACT_CARRIER', name: 'Contract carrier' });

/** Version 2 (version 1 had no carrier; see upcasting.ts). */
export type OrderShipped = Event<'OrderShipped', { operatorRef: string; carrier: Carrier; trackingNumber: string }>;

export type ClosedVia = 'seller' | 'carrier';
export type OrderClosed = Event<'OrderClosed', { closedVia: ClosedVia; /** From the carrier's confirmation; null when a seller closes. */ deliveredAt: string | null }>;

export type OrderCancelled = Event<'OrderCancelled', { reasonCode: string; reason: string; cancelledBy: ActorRole }>;

export type OrderEvent =
  | OrderInitiated
  | ModelUploaded
  | OrderSubmitted
  | PriceCalculated
  | PricingAttemptFailed
  | PricingFailed
  | PricingRetryRequested
  | ManufacturingApproved
  | ManufacturingStarted
  | ManufacturingCompleted
  | PackagingStarted
  | OrderShipped
  | OrderClosed
  | OrderCancelled;

export type OrderEventType = OrderEvent['type'];
export type OrderEventOf<T extends OrderEventType> = Extract<OrderEvent, { type: T }>;

/**
 * Payload schema version of each event type, stamped into the envelope's
 * `metadata.schemaVersion` by the command handler: the shape new appends are
 * written in and readers receive (older versions are upcast on read, see
 * upcasting.ts and docs/EVENTS.md). A mapped type, so a new event without a
 * version does not compile.
 */
export const EVENT_SCHEMA_VERSIONS: { readonly [T in OrderEventType]: number } = {
  OrderInitiated: 1,
  ModelUploaded: 1,
  OrderSubmitted: 1,
  PriceCalculated: 1,
  PricingAttemptFailed: 1,
  PricingFailed: 1,
  PricingRetryRequested: 1,
  ManufacturingApproved: 1,
  ManufacturingStarted: 1,
  ManufacturingCompleted: 1,
  PackagingStarted: 1,
  OrderShipped: 2,
  OrderClosed: 1,
  OrderCancelled: 1,
};

export const ORDER_EVENT_TYPES = Object.keys(EVENT_SCHEMA_VERSIONS) as readonly OrderEventType[];

/** Narrows a stored event (type: string) to an order event this version understands. */
export function isOrderEventType(type: string): type is OrderEventType {
  return Object.hasOwn(EVENT_SCHEMA_VERSIONS, type);
}
