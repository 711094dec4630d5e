import { ORDER_STATUSES, TERMINAL_STATUSES, isKnownMaterialCode, isOrderStatus, isTerminalStatus, type OrderStatus } from './statuses';
import { COMMAND_RULES, ORDER_TRANSITIONS, allowedCommands, allowedNextStatuses, assertTransitionGraph, canTransition, type Transitions } from './transitions';

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
    expect(COMMAND_RULES.InitiateOrder.from).toEqual([]);
  });
});

describe('assertTransitionGraph', () => {
  it('accepts the shipped tables', () => {
    expect(() => assertTransitionGraph()).not.toThrow();
  });

  it('names the states a broken table cannot reach', () => {
    const broken: Transitions<OrderStatus> = { ...ORDER_TRANSITIONS, PACKAGING: { to: [] } };
    expect(() => assertTransitionGraph(broken)).toThrow('the following states are unreachable: SHIPPED, CLOSED');
  });

  it('refuses a command that moves along an edge the table forbids', () => {
    const rules = { ...COMMAND_RULES, ShipOrder: { from: ['MANUFACTURING_COMPLETED', 'PACKAGING'], to: 'SHIPPED' } } as const;
    expect(() => assertTransitionGraph(ORDER_TRANSITIONS, rules)).toThrow(
      'the following commands make transitions the table forbids: ShipOrder: MANUFACTURING_COMPLETED -> SHIPPED',
    );
  });

  it('refuses an edge that no command makes', () => {
    const table: Transitions<OrderStatus> = { ...ORDER_TRANSITIONS, SHIPPED: { to: ['CLOSED', 'CANCELLED'] } };
    expect(() => assertTransitionGraph(table)).toThrow('the following transitions have no command: SHIPPED -> CANCELLED');
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
