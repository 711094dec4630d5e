/**
 * The lifecycle as data (Vendure style): which status may follow which, and
 * which command may be applied in which status. Both tables mirror the
 * binding lifecycle in ARCHITECTURE.md; `assertTransitionGraph` checks they
 * agree with each other and that every status is reachable, so a wrong edit
 * fails a unit test and the app's start-up instead of a customer's order.
 */
import type { OrderCommandType } from './commands';
import { ORDER_STATUSES, type OrderStatus } from './statuses';

export type Transitions<S extends string> = { readonly [K in S]: { readonly to: readonly S[] } };

/** Cancellable: every status before MANUFACTURING_STARTED (metal is not cast yet). */
export const CANCELLABLE_STATUSES = ['INITIATED', 'FILE_UPLOADED', 'SUBMITTED', 'PRICE_CALCULATED', 'MANUFACTURING_APPROVED'] as const satisfies readonly OrderStatus[];

export const ORDER_TRANSITIONS: Transitions<OrderStatus> = {
  INITIATED: { to: ['FILE_UPLOADED', 'CANCELLED'] },
  // FILE_UPLOADED -> FILE_UPLOADED: the customer replaces the model before submitting.
  FILE_UPLOADED: { to: ['FILE_UPLOADED', 'SUBMITTED', 'CANCELLED'] },
  // SUBMITTED -> CANCELLED also when pricing gives up (FailPricing).
  SUBMITTED: { to: ['PRICE_CALCULATED', 'CANCELLED'] },
  PRICE_CALCULATED: { to: ['MANUFACTURING_APPROVED', 'CANCELLED'] },
  MANUFACTURING_APPROVED: { to: ['MANUFACTURING_STARTED', 'CANCELLED'] },
  MANUFACTURING_STARTED: { to: ['MANUFACTURING_COMPLETED'] },
  MANUFACTURING_COMPLETED: { to: ['PACKAGING'] },
  PACKAGING: { to: ['SHIPPED'] },
  SHIPPED: { to: ['CLOSED'] },
  CLOSED: { to: [] },
  CANCELLED: { to: [] },
};

export interface CommandRule {
  /** Statuses the command may be applied in. Empty for InitiateOrder, which needs a stream that does not exist. */
  readonly from: readonly OrderStatus[];
  /** The status its events set, or null when it only adds history (pricing attempts, support retries). */
  readonly to: OrderStatus | null;
}

/**
 * Every command's rule. A mapped type over the command union, so a new
 * command without a rule does not compile. Key order is the order in which
 * `allowedCommands` lists them (lifecycle order).
 */
export const COMMAND_RULES: { readonly [C in OrderCommandType]: CommandRule } = {
  InitiateOrder: { from: [], to: 'INITIATED' },
  AttachModel: { from: ['INITIATED', 'FILE_UPLOADED'], to: 'FILE_UPLOADED' },
  SubmitOrder: { from: ['FILE_UPLOADED'], to: 'SUBMITTED' },
  RecordPrice: { from: ['SUBMITTED'], to: 'PRICE_CALCULATED' },
  RecordPricingAttemptFailure: { from: ['SUBMITTED'], to: null },
  FailPricing: { from: ['SUBMITTED'], to: 'CANCELLED' },
  RequestPricingRetry: { from: ['SUBMITTED'], to: null },
  ApproveManufacturing: { from: ['PRICE_CALCULATED'], to: 'MANUFACTURING_APPROVED' },
  StartManufacturing: { from: ['MANUFACTURING_APPROVED'], to: 'MANUFACTURING_STARTED' },
  CompleteManufacturing: { from: ['MANUFACTURING_STARTED'], to: 'MANUFACTURING_COMPLETED' },
  StartPackaging: { from: ['MANUFACTURING_COMPLETED'], to: 'PACKAGING' },
  ShipOrder: { from: ['PACKAGING'], to: 'SHIPPED' },
  CloseOrder: { from: ['SHIPPED'], to: 'CLOSED' },
  CancelOrder: { from: CANCELLABLE_STATUSES, to: 'CANCELLED' },
};

export const ORDER_COMMAND_TYPES = Object.keys(COMMAND_RULES) as readonly OrderCommandType[];

export function canTransition(from: OrderStatus, to: OrderStatus, transitions: Transitions<OrderStatus> = ORDER_TRANSITIONS): boolean {
  return transitions[from].to.includes(to);
}

export function allowedNextStatuses(from: OrderStatus, transitions: Transitions<OrderStatus> = ORDER_TRANSITIONS): readonly OrderStatus[] {
  return transitions[from].to;
}

/** The commands that may be sent to an order in `from` (the `allowed` of a 409 ILLEGAL_TRANSITION). */
export function allowedCommands(from: OrderStatus): OrderCommandType[] {
  return ORDER_COMMAND_TYPES.filter((type) => COMMAND_RULES[type].from.includes(from));
}

export function canApply(command: OrderCommandType, from: OrderStatus): boolean {
  return COMMAND_RULES[command].from.includes(from);
}

/**
 * Start-up check of the tables (call it from a unit test and at boot):
 * - every status is reachable from `initial`;
 * - every command rule moves along an edge of the transition table;
 * - every edge of the table is made by some command (no dead letters).
 * Throws one Error listing every problem found.
 */
export function assertTransitionGraph(
  transitions: Transitions<OrderStatus> = ORDER_TRANSITIONS,
  rules: { readonly [C in OrderCommandType]: CommandRule } = COMMAND_RULES,
  initial: OrderStatus = 'INITIATED',
): void {
  const reached = new Set<OrderStatus>([initial]);
  const queue: OrderStatus[] = [initial];
  for (let status = queue.shift(); status !== undefined; status = queue.shift()) {
    for (const next of transitions[status]?.to ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  const problems: string[] = [];
  const unreachable = ORDER_STATUSES.filter((status) => !reached.has(status));
  if (unreachable.length > 0) problems.push(`the following states are unreachable: ${unreachable.join(', ')}`);

  const made = new Set<string>();
  const forbidden: string[] = [];
  for (const [command, rule] of Object.entries(rules) as [OrderCommandType, CommandRule][]) {
    if (rule.to === null) continue;
    for (const from of rule.from) {
      made.add(`${from} -> ${rule.to}`);
      if (!(transitions[from]?.to ?? []).includes(rule.to)) forbidden.push(`${command}: ${from} -> ${rule.to}`);
    }
  }
  if (forbidden.length > 0) problems.push(`the following commands make transitions the table forbids: ${forbidden.join('; ')}`);

  const unmade = ORDER_STATUSES.flatMap((from) => (transitions[from]?.to ?? []).map((to) => `${from} -> ${to}`)).filter((edge) => !made.has(edge));
  if (unmade.length > 0) problems.push(`the following transitions have no command: ${unmade.join('; ')}`);

  if (problems.length > 0) throw new Error(`order lifecycle table is wrong: ${problems.join('. ')}`);
}
