import type { Principal } from '../../infrastructure/auth/principal';
import { notFound } from '../../infrastructure/http/api-error';
import type { OrderState } from '../order-lifecycle';

/**
 * Who may see an order: staff see every order; a customer only their own
 * shop orders, a partner only its own. Anything else is a 404, the same
 * answer as for an order that does not exist, so ids cannot be probed.
 */
export function assertCanAccess(principal: Principal, actingRole: string | undefined, state: OrderState): void {
  if (!state.exists) throw notFound('ORDER_NOT_FOUND', 'no such order');
  if (actingRole === 'customer' && !(state.channel === 'shop' && state.customerRef === principal.id)) {
    throw notFound('ORDER_NOT_FOUND', 'no such order');
  }
  if (actingRole === 'partner' && !(state.channel === 'partner' && state.partnerId === principal.id)) {
    throw notFound('ORDER_NOT_FOUND', 'no such order');
  }
}
