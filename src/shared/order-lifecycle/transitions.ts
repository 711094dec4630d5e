/**
 * The lifecycle as ONE table (Vendure style, taken further): per command,
 * the events it decides, the statuses it may be applied in, and the status
 * it leads to. Everything else is read from it: the decider's transition
 * check (`canApply`, `allowedCommands`), the status each event sets
 * (`statusOfEvent`, which `evolve` and the read models use), the status
 * graph (`ORDER_TRANSITIONS`) and the start-up check. A new command is one
 * row here; a wrong row fails a unit test and the app's start-up instead of
 * a customer's order.
 */
import type { OrderCommandType } from './commands';
import { ORDER_EVENT_TYPES, isOrderEventType, type OrderEventType } from './events';
import { ORDER_STATUSES, TERMINAL_STATUSES, type OrderStatus } from './statuses';

export type Transitions<S extends string> = { readonly [K in S]: { readonly to: readonly S[] } };

export interface LifecycleStep {
  /** The event types the command decides, in order. The last one sets `to`; any before it only tell history. */
  readonly events: readonly [OrderEventType, ...OrderEventType[]];
  /** Statuses the command may be applied in. Empty for InitiateOrder, which needs a stream that does not exist. */
  readonly from: readonly OrderStatus[];
  /** The status its events set, or null when it only adds history (pricing attempts, support retries). */
  readonly to: OrderStatus | null;
}

export type LifecycleTable = { readonly [C in OrderCommandType]: LifecycleStep };

/** Cancellable: every status before MANUFACTURING_STARTED (metal is not cast yet). */
export const CANCELLABLE_STATUSES = ['INITIATED', 'FILE_UPLOADED', 'SUBMITTED', 'PRICE_CALCULATED', 'MANUFACTURING_APPROVED'] as const satisfies readonly OrderStatus[];

/**
 * The binding lifecycle of ARCHITECTURE.md. A mapped type over the command
 * union, so a new command without its row does not compile. Key order is the
 * order in which `allowedCommands` lists them (lifecycle order).
 */
export const ORDER_LIFECYCLE = {
  InitiateOrder: { events: ['OrderInitiated'], from: [], to: 'INITIATED' },
  // FILE_UPLOADED -> FILE_UPLOADED: the customer replaces the model before submitting.
  AttachModel: { events: ['ModelUploaded'], from: ['INITIATED', 'FILE_UPLOADED'], to: 'FILE_UPLOADED' },
  SubmitOrder: { events: ['OrderSubmitted'], from: ['FILE_UPLOADED'], to: 'SUBMITTED' },
  RecordPrice: { events: ['PriceCalculated'], from: ['SUBMITTED'], to: 'PRICE_CALCULATED' },
  RecordPricingAttemptFailure: { events: ['PricingAttemptFailed'], from: ['SUBMITTED'], to: null },
  // Pricing gave up: the failure is history, the cancellation sets the status.
  FailPricing: { events: ['PricingFailed', 'OrderCancelled'], from: ['SUBMITTED'], to: 'CANCELLED' },
  RequestPricingRetry: { events: ['PricingRetryRequested'], from: ['SUBMITTED'], to: null },
  ApproveManufacturing: { events: ['ManufacturingApproved'], from: ['PRICE_CALCULATED'], to: 'MANUFACTURING_APPROVED' },
  StartManufacturing: { events: ['ManufacturingStarted'], from: ['MANUFACTURING_APPROVED'], to: 'MANUFACTURING_STARTED' },
  CompleteManufacturing: { events: ['ManufacturingCompleted'], from: ['MANUFACTURING_STARTED'], to: 'MANUFACTURING_COMPLETED' },
  StartPackaging: { events: ['PackagingStarted'], from: ['MANUFACTURING_COMPLETED'], to: 'PACKAGING' },
  ShipOrder: { events: ['OrderShipped'], from: ['PACKAGING'], to: 'SHIPPED' },
  CloseOrder: { events: ['OrderClosed'], from: ['SHIPPED'], to: 'CLOSED' },
  CancelOrder: { events: ['OrderCancelled'], from: CANCELLABLE_STATUSES, to: 'CANCELLED' },
} as const satisfies LifecycleTable;

/** Compile time: every event type is decided by some command (a new event without its row does not compile). */
type UndecidedEvents = Exclude<OrderEventType, (typeof ORDER_LIFECYCLE)[OrderCommandType]['events'][number]>;
const everyEventIsDecided: [UndecidedEvents] extends [never] ? true : UndecidedEvents = true;
void everyEventIsDecided;

export const ORDER_COMMAND_TYPES = Object.keys(ORDER_LIFECYCLE) as readonly OrderCommandType[];

/** The status graph the table makes: `from -> to` for every command that sets a status. */
export function transitionsOf(table: LifecycleTable): Transitions<OrderStatus> {
  const to = Object.fromEntries(ORDER_STATUSES.map((status) => [status, [] as OrderStatus[]])) as Record<OrderStatus, OrderStatus[]>;
  for (const status of ORDER_STATUSES) {
    for (const step of Object.values<LifecycleStep>(table)) {
      if (step.to !== null && step.from.includes(status) && !to[status].includes(step.to)) to[status].push(step.to);
    }
  }
  // Lifecycle order, whatever order the commands come in.
  for (const status of ORDER_STATUSES) to[status].sort((a, b) => ORDER_STATUSES.indexOf(a) - ORDER_STATUSES.indexOf(b));
  return Object.fromEntries(ORDER_STATUSES.map((status) => [status, { to: to[status] }])) as unknown as Transitions<OrderStatus>;
}

/** Every status and where it may go next: derived from ORDER_LIFECYCLE, never edited by hand. */
export const ORDER_TRANSITIONS: Transitions<OrderStatus> = transitionsOf(ORDER_LIFECYCLE);

/**
 * The status each event type sets (null: it only tells history), read off the
 * table: the last event of a command sets the command's `to`, the ones before
 * it set nothing. The start-up check makes sure no event gets two answers.
 */
function eventStatusesOf(table: LifecycleTable): Map<OrderEventType, Set<OrderStatus | null>> {
  const statuses = new Map<OrderEventType, Set<OrderStatus | null>>();
  for (const step of Object.values<LifecycleStep>(table)) {
    step.events.forEach((type, index) => {
      const status = index === step.events.length - 1 ? step.to : null;
      statuses.set(type, (statuses.get(type) ?? new Set()).add(status));
    });
  }
  return statuses;
}

const EVENT_STATUS: ReadonlyMap<OrderEventType, OrderStatus | null> = new Map([...eventStatusesOf(ORDER_LIFECYCLE)].map(([type, statuses]) => [type, [...statuses][0] ?? null]));

/** The status an event sets, or null when it sets none (also for types this version does not know). */
export function statusOfEvent(type: string): OrderStatus | null {
  return isOrderEventType(type) ? (EVENT_STATUS.get(type) ?? null) : null;
}

export function canTransition(from: OrderStatus, to: OrderStatus, transitions: Transitions<OrderStatus> = ORDER_TRANSITIONS): boolean {
  return transitions[from].to.includes(to);
}

export function allowedNextStatuses(from: OrderStatus, transitions: Transitions<OrderStatus> = ORDER_TRANSITIONS): readonly OrderStatus[] {
  return transitions[from].to;
}

/** The commands that may be sent to an order in `from` (the `allowed` of a 409 ILLEGAL_TRANSITION). */
export function allowedCommands(from: OrderStatus): OrderCommandType[] {
  return ORDER_COMMAND_TYPES.filter((type) => canApply(type, from));
}

export function canApply(command: OrderCommandType, from: OrderStatus): boolean {
  return (ORDER_LIFECYCLE[command].from as readonly OrderStatus[]).includes(from);
}

/**
 * Start-up check of the table (call it from a unit test and at boot):
 * - every status is reachable from `initial`;
 * - no command leaves a terminal status;
 * - every command but the one that creates the order is allowed somewhere;
 * - every event type is decided by some command, and sets one status only.
 * Throws one Error listing every problem found.
 */
export function assertTransitionGraph(table: LifecycleTable = ORDER_LIFECYCLE, initial: OrderStatus = 'INITIATED'): void {
  const transitions = transitionsOf(table);
  const reached = new Set<OrderStatus>([initial]);
  const queue: OrderStatus[] = [initial];
  for (let status = queue.shift(); status !== undefined; status = queue.shift()) {
    for (const next of transitions[status].to) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  const problems: string[] = [];
  const unreachable = ORDER_STATUSES.filter((status) => !reached.has(status));
  if (unreachable.length > 0) problems.push(`the following states are unreachable: ${unreachable.join(', ')}`);

  const steps = Object.entries(table) as [OrderCommandType, LifecycleStep][];
  const leaving = steps.flatMap(([command, step]) =>
    step.from.filter((from) => (TERMINAL_STATUSES as readonly OrderStatus[]).includes(from)).map((from) => `${command} from ${from}`),
  );
  if (leaving.length > 0) problems.push(`the following commands leave a terminal status: ${leaving.join('; ')}`);

  const never = steps.filter(([, step]) => step.from.length === 0 && step.to !== initial).map(([command]) => command);
  if (never.length > 0) problems.push(`the following commands are allowed in no status: ${never.join(', ')}`);

  const statuses = eventStatusesOf(table);
  const undecided = ORDER_EVENT_TYPES.filter((type) => !statuses.has(type));
  if (undecided.length > 0) problems.push(`the following events no command decides: ${undecided.join(', ')}`);
  const ambiguous = [...statuses].filter(([, set]) => set.size > 1).map(([type, set]) => `${type} (${[...set].map((status) => status ?? 'none').join(', ')})`);
  if (ambiguous.length > 0) problems.push(`the following events set different statuses in different commands: ${ambiguous.join('; ')}`);

  if (problems.length > 0) throw new Error(`order lifecycle table is wrong: ${problems.join('. ')}`);
}
