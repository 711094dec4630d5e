import { ORDER_STATUSES, TERMINAL_STATUSES, isKnownMaterialCode, isOrderStatus, isTerminalStatus, type OrderStatus } from './statuses';
import { ORDER_EVENT_TYPES } from './events';
import { ORDER_LIFECYCLE, ORDER_TRANSITIONS, allowedCommands, allowedNextStatuses, assertTransitionGraph, canTransition, statusOfEvent, type LifecycleTable } from './transitions';

/** ARCHITECTURE.md "Order lifecycle (binding)", column "from", transcribed independently of the code. */
const BINDING_FROM: Record<OrderStatus, OrderStatus[]> = {
  INITIATED: [],
  FILE_UPLOADED: ['INITIATED', 'FILE_UPLOADED'],
  SUBMITTED: ['FILE_UPLOADED'],
  PRICE_CALCULATED: ['SUBMITTED'],
  MANUFACTURING_APPROVED: ['PRICE_CALCULATED'],
  MANUFACTURING_STARTED: ['MANUFACTURING_APPROVED'],
  MANUFACTURING_COMPLETED: ['MANUFACTURING_STARTED'],
  PACKAGING: ['MANUFACTURING_COMPLETED'],
  SHIPPED: ['PACKAGING'],
  CLOSED: ['SHIPPED'],
  CANCELLED: ['INITIATED', 'FILE_UPLOADED', 'SUBMITTED', 'PRICE_CALCULATED', 'MANUFACTURING_APPROVED'],
};

describe('order lifecycle transition table', () => {
  it('is exactly the binding lifecycle of ARCHITECTURE.md', () => {
    for (const to of ORDER_STATUSES) {
      const from = ORDER_STATUSES.filter((candidate) => ORDER_TRANSITIONS[candidate].to.includes(to));
      expect({ to, from }).toEqual({ to, from: BINDING_FROM[to] });
    }
  });

  it('lets nothing leave a terminal status', () => {
    expect(TERMINAL_STATUSES).toEqual(['CLOSED', 'CANCELLED']);
    for (const status of TERMINAL_STATUSES) {
      expect(allowedNextStatuses(status)).toEqual([]);
      expect(allowedCommands(status)).toEqual([]);
    }
    expect(ORDER_STATUSES.filter(isTerminalStatus)).toEqual(['CLOSED', 'CANCELLED']);
  });

  it('answers canTransition from the table', () => {
    expect(canTransition('INITIATED', 'FILE_UPLOADED')).toBe(true);
    expect(canTransition('FILE_UPLOADED', 'FILE_UPLOADED')).toBe(true);
    expect(canTransition('INITIATED', 'SUBMITTED')).toBe(false);
    expect(canTransition('MANUFACTURING_APPROVED', 'CANCELLED')).toBe(true);
    expect(canTransition('MANUFACTURING_STARTED', 'CANCELLED')).toBe(false);
    expect(canTransition('CLOSED', 'CANCELLED')).toBe(false);
  });

  it('lists the commands a client may send next, in lifecycle order', () => {
    expect(allowedCommands('INITIATED')).toEqual(['AttachModel', 'CancelOrder']);
    expect(allowedCommands('FILE_UPLOADED')).toEqual(['AttachModel', 'SubmitOrder', 'CancelOrder']);
    expect(allowedCommands('SUBMITTED')).toEqual(['RecordPrice', 'RecordPricingAttemptFailure', 'FailPricing', 'RequestPricingRetry', 'CancelOrder']);
    expect(allowedCommands('PRICE_CALCULATED')).toEqual(['ApproveManufacturing', 'CancelOrder']);
    expect(allowedCommands('MANUFACTURING_APPROVED')).toEqual(['StartManufacturing', 'CancelOrder']);
    expect(allowedCommands('MANUFACTURING_STARTED')).toEqual(['CompleteManufacturing']);
    expect(allowedCommands('MANUFACTURING_COMPLETED')).toEqual(['StartPackaging']);
    expect(allowedCommands('PACKAGING')).toEqual(['ShipOrder']);
    expect(allowedCommands('SHIPPED')).toEqual(['CloseOrder']);
  });

  it('never offers InitiateOrder to an existing order', () => {
    expect(ORDER_LIFECYCLE.InitiateOrder.from).toEqual([]);
  });

  it('gives each event the status of the command it ends (history-only events set none)', () => {
    const statuses = Object.fromEntries(ORDER_EVENT_TYPES.map((type) => [type, statusOfEvent(type)]));
    expect(statuses).toEqual({
      OrderInitiated: 'INITIATED',
      ModelUploaded: 'FILE_UPLOADED',
      OrderSubmitted: 'SUBMITTED',
      PriceCalculated: 'PRICE_CALCULATED',
      PricingAttemptFailed: null,
      PricingFailed: null,
      PricingRetryRequested: null,
      ManufacturingApproved: 'MANUFACTURING_APPROVED',
      ManufacturingStarted: 'MANUFACTURING_STARTED',
      ManufacturingCompleted: 'MANUFACTURING_COMPLETED',
      PackagingStarted: 'PACKAGING',
      OrderShipped: 'SHIPPED',
      OrderClosed: 'CLOSED',
      OrderCancelled: 'CANCELLED',
    });
  });
});

describe('assertTransitionGraph', () => {
  it('accepts the shipped table', () => {
    expect(() => assertTransitionGraph()).not.toThrow();
  });

  it('names the states a broken table cannot reach', () => {
    const broken: LifecycleTable = { ...ORDER_LIFECYCLE, ShipOrder: { ...ORDER_LIFECYCLE.ShipOrder, from: [] } };
    expect(() => assertTransitionGraph(broken)).toThrow('the following states are unreachable: SHIPPED, CLOSED');
  });

  // The graph is made by the commands, so a move no command makes cannot exist; what can go wrong is the rows themselves.
  it('refuses a command that leaves a terminal status', () => {
    const table: LifecycleTable = { ...ORDER_LIFECYCLE, CancelOrder: { ...ORDER_LIFECYCLE.CancelOrder, from: ['PRICE_CALCULATED', 'CLOSED'] } };
    expect(() => assertTransitionGraph(table)).toThrow('the following commands leave a terminal status: CancelOrder from CLOSED');
  });

  it('refuses a command that no status allows', () => {
    const table: LifecycleTable = { ...ORDER_LIFECYCLE, RequestPricingRetry: { ...ORDER_LIFECYCLE.RequestPricingRetry, from: [] } };
    expect(() => assertTransitionGraph(table)).toThrow('the following commands are allowed in no status: RequestPricingRetry');
  });

  it('refuses an event that no command decides', () => {
    const table: LifecycleTable = { ...ORDER_LIFECYCLE, RequestPricingRetry: { ...ORDER_LIFECYCLE.RequestPricingRetry, events: ['PricingAttemptFailed'] } };
    expect(() => assertTransitionGraph(table)).toThrow('the following events no command decides: PricingRetryRequested');
  });

  it('refuses an event that two commands give different statuses', () => {
    const table: LifecycleTable = { ...ORDER_LIFECYCLE, FailPricing: { ...ORDER_LIFECYCLE.FailPricing, events: ['OrderCancelled', 'PricingFailed'] } };
    expect(() => assertTransitionGraph(table)).toThrow('the following events set different statuses in different commands: OrderCancelled (none, CANCELLED)');
  });
});

describe('statuses and materials', () => {
  it('recognises the binding material codes only', () => {
    expect(['GOLD_585', 'GOLD_750', 'SILVER_925', 'PLATINUM_950'].every(isKnownMaterialCode)).toBe(true);
    expect(isKnownMaterialCode('PALLADIUM_500')).toBe(false);
    expect(isKnownMaterialCode(750)).toBe(false);
  });

  it('recognises statuses', () => {
    expect(isOrderStatus('SHIPPED')).toBe(true);
    expect(isOrderStatus('shipped')).toBe(false);
    expect(isOrderStatus(null)).toBe(false);
  });
});
