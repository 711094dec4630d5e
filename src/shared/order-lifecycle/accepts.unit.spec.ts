/**
 * `assertAccepts` is the decider's own transition check, asked before a
 * command is built (the model upload refuses before reading a byte): for
 * every command in every status it refuses exactly when, and exactly as,
 * `decide` does.
 */
import type { OrderCommandType } from './commands';
import { assertAccepts, decide, foldOrder, initialState } from './order';
import { ORDER_STATUSES } from './statuses';
import { historyTo, validCommands } from './testing';
import { ORDER_COMMAND_TYPES } from './transitions';

const outcome = (run: () => unknown): unknown => {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return error;
  }
};

describe('assertAccepts: would the order accept this command now?', () => {
  const cases = ORDER_STATUSES.flatMap((status) => ORDER_COMMAND_TYPES.map((type) => [status, type] as const));

  it.each(cases)('in %s, %s: the same answer as the decider', (status, type: OrderCommandType) => {
    const state = foldOrder(historyTo(status));
    const asked = outcome(() => assertAccepts(type, state));
    const decided = outcome(() => decide(validCommands[type], state));
    if (asked === 'accepted') {
      // Accepted by the table; the decider may still refuse the command's data (e.g. a stale submission), never its status.
      expect(decided === 'accepted' || (decided as Error).name === 'DomainValidationError').toBe(true);
    } else {
      expect((asked as Error).name).toBe((decided as Error).name);
      expect((asked as Error).message).toBe((decided as Error).message);
    }
  });

  it('an order that does not exist accepts only InitiateOrder', () => {
    for (const type of ORDER_COMMAND_TYPES) {
      const asked = outcome(() => assertAccepts(type, initialState()));
      if (type === 'InitiateOrder') expect(asked).toBe('accepted');
      else expect((asked as Error).name).toBe('OrderNotFoundError');
    }
  });
});
