/**
 * The commands an order accepts: `{ type, data, metadata }`.
 *
 * `metadata` brings in everything impure the decision may need: the time
 * (`now`, ISO-8601, which the handler also stamps as the events'
 * `occurredAt`) and the actor. Event ids are not here: `decide` returns bare
 * events and the command handler wraps them in envelopes with fresh ids.
 *
 * Who did a step is taken from `metadata.actor` (operatorRef, requestedBy,
 * cancelledBy), so a client cannot claim to be someone else in the payload.
 */
import type { EventActor } from './actors';
import type { ApprovalChannel, Carrier, ClosedVia, ModelFormat, OrderPrice, SalesChannel } from './events';
import type { MaterialCode } from './statuses';

export interface CommandMetadata {
  /** ISO-8601 time of the decision. */
  now: string;
  actor: EventActor;
}

type Command<TType extends string, TData> = { type: TType; data: TData; metadata: CommandMetadata };

export type InitiateOrder = Command<'InitiateOrder', { orderId: string; customerRef: string; channel: SalesChannel; partnerId: string | null; material: MaterialCode }>;

interface StoredModel {
  blobKey: string;
  sha256: string;
  sizeBytes: number;
  format: ModelFormat;
  triangleCount: number | null;
}
/** The model is already stored and measured; the command records it (an upload, or a catalogue pick). */
export type AttachModel = Command<'AttachModel', (StoredModel & { source: 'upload' }) | (StoredModel & { source: 'catalog'; catalogItemId: string })>;

export type SubmitOrder = Command<'SubmitOrder', { /** UUID chosen by the handler; becomes the pricing job key. */ submissionId: string }>;

export type RecordPrice = Command<'RecordPrice', OrderPrice>;

export type RecordPricingAttemptFailure = Command<
  'RecordPricingAttemptFailure',
  { submissionId: string; attempt: number; code: string; reason: string; willRetry: boolean; nextRetryAt: string | null }
>;

/** Pricing gave up: decides PricingFailed and OrderCancelled together. */
export type FailPricing = Command<'FailPricing', { submissionId: string; code: string; reason: string }>;

/** Support re-enqueues pricing of the current submission (no payload: the submission comes from the state). */
export type RequestPricingRetry = Command<'RequestPricingRetry', Record<string, never>>;

export type ApproveManufacturing = Command<'ApproveManufacturing', { approvedVia: ApprovalChannel }>;
export type StartManufacturing = Command<'StartManufacturing', Record<string, never>>;
export type CompleteManufacturing = Command<'CompleteManufacturing', Record<string, never>>;
export type StartPackaging = Command<'StartPackaging', Record<string, never>>;
export type ShipOrder = Command<'ShipOrder', { trackingNumber: string; /** The contract carrier when not given. */ carrier?: Carrier }>;
export type CloseOrder = Command<'CloseOrder', { closedVia: ClosedVia; /** Required when closedVia is 'carrier'. */ deliveredAt: string | null }>;
export type CancelOrder = Command<'CancelOrder', { reasonCode: string; reason: string }>;

export type OrderCommand =
  | InitiateOrder
  | AttachModel
  | SubmitOrder
  | RecordPrice
  | RecordPricingAttemptFailure
  | FailPricing
  | RequestPricingRetry
  | ApproveManufacturing
  | StartManufacturing
  | CompleteManufacturing
  | StartPackaging
  | ShipOrder
  | CloseOrder
  | CancelOrder;

export type OrderCommandType = OrderCommand['type'];
export type OrderCommandOf<T extends OrderCommandType> = Extract<OrderCommand, { type: T }>;
