import { isTerminalStatus, type OrderState, type OrderStatus } from '../../../shared/order-lifecycle';
import type { PricingJobSnapshot } from '../../pricing';

// Part of the diagnosis input; the pricing module owns its shape.
export type { PricingJobSnapshot };

/**
 * "Where is order X and why has it not moved?" answered from the order's own
 * state plus what other parts of the platform say about it (the pricing job,
 * the read model). Pure: the service gathers the inputs.
 */

export type StepOwner = 'customer' | 'partner' | 'pricing' | 'seller' | 'operator' | 'carrier' | 'nobody';

export interface WaitingFor {
  owner: StepOwner;
  /** The next step in plain words. */
  step: string;
  /** The command(s) that would move the order on. */
  commands: string[];
}

export interface ReadModelSnapshot {
  /** Revision of the order in the read model; null when it has no row for the order. */
  revision: number | null;
  status: string | null;
}

export interface Anomaly {
  code: string;
  message: string;
}

/** An event of the order's stream this version cannot read (the command side refuses the order because of it). */
export interface UnreadableEventSnapshot {
  revision: number;
  position: string;
  type: string;
  problem: string;
}

/** An event of the order's stream a consumer (the projector, the pricing subscriber) parked and has not applied. */
export interface ParkedEventSnapshot {
  consumer: string;
  position: string;
  revision: number;
  eventType: string;
  error: string;
  state: string;
  attempts: number;
  parkedAt: string;
}

export interface DiagnosisInput {
  orderId: string;
  state: OrderState;
  revision: number;
  now: Date;
  slaMs: Partial<Record<OrderStatus, number>>;
  /** undefined: the pricing queue could not be asked; null: it has no job for the current submission. */
  pricingJob?: PricingJobSnapshot | null;
  /** undefined: no read model to compare with. */
  readModel?: ReadModelSnapshot;
  /** occurredAt of the stream's newest event: the read model may lag it by a moment without anything being wrong. */
  lastEventAt?: string;
  /** Events of the stream this version cannot read; the state was folded without them. */
  unreadableEvents?: UnreadableEventSnapshot[];
  /** Open parked events of the stream, any consumer; undefined: they could not be asked. */
  parkedEvents?: ParkedEventSnapshot[];
}

/**
 * Asynchronous steps (the projector, the pricing subscriber) follow an
 * append within milliseconds; only a gap older than this is an anomaly.
 */
export const ASYNC_GRACE_MS = 1_000;

export interface Diagnosis {
  orderId: string;
  status: OrderStatus;
  revision: number;
  since: string | null;
  inStatusMs: number;
  slaMs: number | null;
  overdueMs: number;
  overdue: boolean;
  waitingFor: WaitingFor;
  pricing: PricingJobSnapshot | null;
  lastPricingFailure: OrderState['lastPricingFailure'];
  cancellation: OrderState['cancellation'];
  /** Events of the stream this version cannot read (the state above leaves them out). */
  unreadableEvents: UnreadableEventSnapshot[];
  /** Events of the stream a consumer parked: the read models or pricing have not applied them. */
  parkedEvents: ParkedEventSnapshot[];
  anomalies: Anomaly[];
  /** One sentence for a support engineer. */
  summary: string;
}

export function waitingFor(state: Pick<OrderState, 'status' | 'channel'>): WaitingFor {
  const byPartner = state.channel === 'partner';
  const client: StepOwner = byPartner ? 'partner' : 'customer';
  switch (state.status) {
    case 'INITIATED':
      return { owner: client, step: `the ${client} to upload a model or pick one from the catalogue`, commands: ['AttachModel'] };
    case 'FILE_UPLOADED':
      return { owner: client, step: `the ${client} to submit the order for pricing`, commands: ['SubmitOrder'] };
    case 'SUBMITTED':
      return { owner: 'pricing', step: 'the pricing engine to price the model', commands: ['RecordPrice', 'FailPricing'] };
    case 'PRICE_CALCULATED':
      return byPartner
        ? { owner: 'partner', step: 'the partner to confirm the price', commands: ['ApproveManufacturing'] }
        : { owner: 'seller', step: 'a seller to approve the order for manufacturing', commands: ['ApproveManufacturing'] };
    case 'MANUFACTURING_APPROVED':
      return { owner: 'operator', step: 'an operator to start manufacturing', commands: ['StartManufacturing'] };
    case 'MANUFACTURING_STARTED':
      return { owner: 'operator', step: 'the operator to complete manufacturing', commands: ['CompleteManufacturing'] };
    case 'MANUFACTURING_COMPLETED':
      return { owner: 'operator', step: 'an operator to pack the piece', commands: ['StartPackaging'] };
    case 'PACKAGING':
      return { owner: 'operator', step: 'an operator to ship the parcel', commands: ['ShipOrder'] };
    case 'SHIPPED':
      return { owner: 'carrier', step: 'the carrier to confirm delivery (or a seller to close the order)', commands: ['CloseOrder'] };
    default:
      return { owner: 'nobody', step: 'nothing: the order is finished', commands: [] };
  }
}

export function diagnose(input: DiagnosisInput): Diagnosis {
  const { state, now } = input;
  if (!state.exists || state.status === null) throw new Error('diagnose needs an existing order');
  const status = state.status;
  const since = state.statusChangedAt;
  const inStatusMs = since ? Math.max(0, now.getTime() - Date.parse(since)) : 0;
  const terminal = isTerminalStatus(status);
  const slaMs = terminal ? null : (input.slaMs[status] ?? null);
  const overdueMs = slaMs === null ? 0 : Math.max(0, inStatusMs - slaMs);
  const waiting = waitingFor(state);
  const anomalies = findAnomalies(input);
  const pricing = input.pricingJob ?? null;
  return {
    orderId: input.orderId,
    status,
    revision: input.revision,
    since,
    inStatusMs,
    slaMs,
    overdueMs,
    overdue: overdueMs > 0,
    waitingFor: waiting,
    pricing,
    lastPricingFailure: state.lastPricingFailure,
    cancellation: state.cancellation,
    unreadableEvents: input.unreadableEvents ?? [],
    parkedEvents: input.parkedEvents ?? [],
    anomalies,
    summary: summarise(status, waiting, inStatusMs, slaMs, overdueMs, anomalies, state),
  };
}

function findAnomalies({ state, revision, pricingJob, readModel, now, lastEventAt, unreadableEvents, parkedEvents }: DiagnosisInput): Anomaly[] {
  const anomalies: Anomaly[] = [];
  // First: nothing else about the order can be trusted while its stream holds an event nobody can read.
  for (const event of unreadableEvents ?? []) {
    anomalies.push({
      code: 'ORDER_STREAM_CORRUPT',
      message:
        `the event at position ${event.position} (revision ${event.revision}, ${event.type}) cannot be read: ${event.problem}; ` +
        'reads and commands on the order answer 409 ORDER_STREAM_CORRUPT, and the state shown here leaves the event out',
    });
  }
  for (const parked of parkedEvents ?? []) {
    anomalies.push({
      code: 'EVENT_PARKED',
      message:
        `${PARKING_CONSUMERS[parked.consumer] ?? parked.consumer} parked the event at position ${parked.position} (revision ${parked.revision}, ${parked.eventType}) ` +
        `after ${parked.attempts} failure(s): ${parked.error}; once fixed, POST /api/support/parked-events/${parked.consumer}/${parked.position}/retry (or /skip)`,
    });
  }
  const settled = (since: string | null | undefined) => !since || now.getTime() - Date.parse(since) > ASYNC_GRACE_MS;
  if (state.status === 'SUBMITTED') {
    if (pricingJob === null && settled(state.statusChangedAt)) {
      anomalies.push({
        code: 'PRICING_JOB_MISSING',
        message: `the order was submitted (submission ${state.submissionId}) but the pricing queue has no job for it; retry pricing to enqueue one`,
      });
    } else if (pricingJob?.deadLettered) {
      anomalies.push({
        code: 'PRICING_DEAD_LETTERED',
        message: `the pricing job ${pricingJob.jobId} is in the dead-letter queue after ${pricingJob.attempt} attempt(s): ${pricingJob.lastError ?? 'no error recorded'}`,
      });
    } else if (pricingJob && ['failed', 'cancelled', 'completed'].includes(pricingJob.state)) {
      anomalies.push({
        code: 'PRICING_JOB_FINISHED_WITHOUT_RESULT',
        message: `the pricing job ${pricingJob.jobId} is ${pricingJob.state} but the order is still SUBMITTED: its outcome never reached the order's stream`,
      });
    }
  }
  if (readModel && settled(lastEventAt)) {
    if (readModel.revision === null) {
      anomalies.push({ code: 'READ_MODEL_MISSING', message: 'the current-orders read model has no row for this order: the projector has not applied its events' });
    } else if (readModel.revision < revision) {
      anomalies.push({
        code: 'READ_MODEL_BEHIND',
        message: `the current-orders read model is at revision ${readModel.revision} (${readModel.status}), the stream at ${revision}: dashboards show an older state`,
      });
    }
  }
  return anomalies;
}

/** Who parked it, in words. */
const PARKING_CONSUMERS: Record<string, string> = {
  'read-models': 'the projector (lists and dashboards)',
  'pricing-jobs': 'the pricing subscriber',
};

function summarise(status: OrderStatus, waiting: WaitingFor, inStatusMs: number, slaMs: number | null, overdueMs: number, anomalies: Anomaly[], state: OrderState): string {
  // A poisoned stream or a parked event explains more than a finished status: say so first.
  const poisoned = anomalies.find((anomaly) => anomaly.code === 'ORDER_STREAM_CORRUPT' || anomaly.code === 'EVENT_PARKED');
  if (poisoned && (status === 'CANCELLED' || status === 'CLOSED')) return `${status}; ${poisoned.message}`;
  if (status === 'CANCELLED') return `cancelled (${state.cancellation?.reasonCode ?? 'no reason code'}): ${state.cancellation?.reason ?? ''}`.trim();
  if (status === 'CLOSED') return 'closed: the order is finished';
  const time = `${status} for ${humanDuration(inStatusMs)}`;
  const sla = slaMs === null ? '' : overdueMs > 0 ? `, ${humanDuration(overdueMs)} past its SLA of ${humanDuration(slaMs)}` : `, within its SLA of ${humanDuration(slaMs)}`;
  const cause = anomalies.length > 0 ? `; ${anomalies[0]!.message}` : '';
  return `${time}${sla}; waiting for ${waiting.step}${cause}`;
}

export function humanDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}
