/**
 * The exhaustive specification: every status x every command. A command the
 * table allows in a status decides events that lead to the table's target
 * status; any other is refused with ILLEGAL_TRANSITION naming the current
 * status and the allowed commands.
 */
import { IllegalTransitionError, OrderAlreadyExistsError, OrderNotFoundError } from './errors';
import { evolve, foldOrder, decide } from './order';
import { ORDER_STATUSES } from './statuses';
import { given, historyTo, validCommands } from './testing';
import { ORDER_COMMAND_TYPES, ORDER_LIFECYCLE, allowedCommands, canApply } from './transitions';

const existingOrderCommands = ORDER_COMMAND_TYPES.filter((type) => type !== 'InitiateOrder');

describe.each(ORDER_STATUSES)('an order in %s', (status) => {
  const history = historyTo(status);

  it('is reached by its history', () => {
    expect(foldOrder(history).status).toBe(status);
  });

  for (const type of existingOrderCommands) {
    if (canApply(type, status)) {
      it(`accepts ${type}`, () => {
        const state = foldOrder(history);
        const events = decide(validCommands[type], state);
        expect(events.length).toBeGreaterThan(0);
        // The table is the decider's specification: these events, leading to that status.
        expect(events.map((event) => event.type)).toEqual(ORDER_LIFECYCLE[type].events);
        expect(events.reduce(evolve, state).status).toBe(ORDER_LIFECYCLE[type].to ?? status);
      });
    } else {
      it(`refuses ${type} with ILLEGAL_TRANSITION`, () => {
        const error = given(history).when(validCommands[type]).thenThrows(IllegalTransitionError, { code: 'ILLEGAL_TRANSITION', currentStatus: status, command: type });
        expect(error.allowed).toEqual(allowedCommands(status));
        expect(error.details).toEqual({ currentStatus: status, command: type, allowed: allowedCommands(status) });
      });
    }
  }

  it('refuses InitiateOrder: the order already exists', () => {
    given(history).when(validCommands.InitiateOrder).thenThrows(OrderAlreadyExistsError, { code: 'ORDER_ALREADY_EXISTS' });
  });
});

describe('an order that does not exist', () => {
  it('accepts InitiateOrder', () => {
    const events = decide(validCommands.InitiateOrder, foldOrder([]));
    expect(events.map((event) => event.type)).toEqual(ORDER_LIFECYCLE.InitiateOrder.events);
    expect(foldOrder(events).status).toBe(ORDER_LIFECYCLE.InitiateOrder.to);
  });

  it.each(existingOrderCommands)('refuses %s with ORDER_NOT_FOUND', (type) => {
    given([]).when(validCommands[type]).thenThrows(OrderNotFoundError, { code: 'ORDER_NOT_FOUND', command: type });
  });
});
