import { Injectable } from '@nestjs/common';
import { activeTraceparent } from '../../infrastructure/observability/tracing/event-trace';
import { assertAccepts, type OrderCommand, type OrderCommandOf, type OrderCommandType, type OrderState } from '../order-lifecycle';
import type { CommandContext } from './command-context';
import { newOrderId } from './derived-ids';
import { assertCanAccess, type OrderAccess, STAFF_ACCESS } from './order-access';
import { type ExecutionResult, type InspectedOrder, OrderCommandExecutor } from './order-command.executor';
import { NoSuchOrderError } from './order-command.errors';
import { type CommandAccepted, type OrderView, toOrderView } from './order-view';

export type { ExecutionResult, InspectedOrder } from './order-command.executor';
export { orderStreamId } from './order-command.executor';

/**
 * What a caller says: the command's type and data. The service adds the
 * metadata (the time, the actor), so no caller reads the clock or can stamp
 * another actor.
 */
export type OrderCommandRequest = { [T in OrderCommandType]: Omit<OrderCommandOf<T>, 'metadata'> }[OrderCommandType];

/** A new order's data: its id is the service's to choose (derived from an Idempotency-Key when there is one). */
export type NewOrder = Omit<OrderCommandOf<'InitiateOrder'>['data'], 'orderId'>;

/**
 * The one way to run an order command, from a route, a job or a webhook:
 *
 * - the caller passes the command's type and data, the context (who, in
 *   which request, conversation and trace) and a declarative access policy
 *   (`OrderAccess`: staff, or the customer or partner who owns the order);
 * - the service stamps the time and the actor, and the active trace when the
 *   context has none, and hands the command to the generic
 *   load-decide-append loop (OrderCommandExecutor, used by nothing else);
 * - it throws only domain errors (the decider's, NoSuchOrderError,
 *   ConcurrentModificationError, OrderStreamCorruptError), which the one
 *   exception filter maps to HTTP (order-error-translator.ts);
 * - `assertAccepts` answers "would this command be accepted now?" from the
 *   kernel's lifecycle table, for callers that refuse before costly work.
 */
@Injectable()
export class OrderCommands {
  constructor(private readonly executor: OrderCommandExecutor) {}

  /** Starts an order; its id is new, or derived from the request's Idempotency-Key so a retry names the same order. */
  async initiate(order: NewOrder, context: CommandContext): Promise<CommandAccepted> {
    const orderId = newOrderId(context);
    const result = await this.execute(orderId, { type: 'InitiateOrder', data: { orderId, ...order } }, context);
    return { id: orderId, status: result.state.status ?? 'INITIATED', revision: Number(result.revision) };
  }

  /** Runs one command on one order that `access` may see; answers with the state and revision after it. */
  execute(orderId: string, request: OrderCommandRequest, context: CommandContext, access: OrderAccess = STAFF_ACCESS): Promise<ExecutionResult> {
    const stamped = withTrace(context);
    // The clock is read here, at the edge, never in the domain.
    const command: OrderCommand = { ...request, metadata: { now: new Date().toISOString(), actor: stamped.actor } };
    // A new order has no owner to check yet; staff may command any order, and the decider answers for one that does not exist.
    const authorize = request.type === 'InitiateOrder' ? undefined : authorizer(access, orderId);
    return this.executor.execute(orderId, command, stamped, authorize ? { authorize } : {});
  }

  /** `execute`, answered with the order's view (what command routes return). */
  async run(orderId: string, request: OrderCommandRequest, context: CommandContext, access: OrderAccess = STAFF_ACCESS): Promise<OrderView> {
    const result = await this.execute(orderId, request, context, access);
    return toOrderView(result.state, result.revision);
  }

  /**
   * Would the order accept a command of this type now? Throws what running it
   * would (NoSuchOrderError for an order `access` may not see,
   * IllegalTransitionError from the lifecycle table); answers the state
   * otherwise. The decider asks again when the command runs.
   */
  async assertAccepts(orderId: string, type: OrderCommandType, access: OrderAccess): Promise<OrderState> {
    const { state } = await this.load(orderId, { access });
    assertAccepts(type, state);
    return state;
  }

  /** The order's view, for a caller with `access` (NoSuchOrderError otherwise, also for an order that does not exist). */
  async view(orderId: string, access: OrderAccess): Promise<OrderView> {
    const { state, revision } = await this.load(orderId, { access });
    if (!state.exists) throw new NoSuchOrderError(orderId);
    return toOrderView(state, revision);
  }

  /**
   * The order's state and revision (-1n when it does not exist). With an
   * access policy other than staff's, an order it may not see is
   * NoSuchOrderError, before a corrupt stream would be reported.
   */
  async load(orderId: string, options: { access?: OrderAccess; toRevision?: bigint } = {}): Promise<{ state: OrderState; revision: bigint }> {
    const authorize = authorizer(options.access ?? STAFF_ACCESS, orderId);
    const { state, revision } = await this.executor.load(orderId, {
      ...(options.toRevision === undefined ? {} : { toRevision: options.toRevision }),
      ...(authorize ? { authorize } : {}),
    });
    authorize?.(state);
    return { state, revision };
  }

  /** Support's read: every event, never refused; the state skips unreadable events, which are listed. */
  inspect(orderId: string, toRevision?: bigint, options: { mayLag?: boolean } = {}): Promise<InspectedOrder> {
    return this.executor.inspect(orderId, toRevision, options);
  }
}

/** The access check as the executor runs it; none for staff, who see every order. */
function authorizer(access: OrderAccess, orderId: string): ((state: OrderState) => void) | undefined {
  return access.kind === 'staff' ? undefined : (state) => assertCanAccess(access, orderId, state);
}

/** A job or webhook context carries no trace: the active span (when tracing is on) is the events' parent. */
function withTrace(context: CommandContext): CommandContext {
  if (context.traceparent) return context;
  const traceparent = activeTraceparent();
  return traceparent ? { ...context, traceparent } : context;
}
