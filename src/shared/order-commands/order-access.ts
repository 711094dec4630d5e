import type { OrderState, SalesChannel } from '../order-lifecycle';
import { NoSuchOrderError } from './order-command.errors';

/**
 * Who may see (and so command) an order, as data: staff see every order; a
 * customer only their own shop orders; a partner only its own partner
 * orders. Anything else is answered like an order that does not exist
 * (NoSuchOrderError), so ids cannot be probed.
 */
export type OrderAccess = { readonly kind: 'staff' } | { readonly kind: 'customer'; readonly customerId: string } | { readonly kind: 'partner'; readonly partnerId: string };

export const STAFF_ACCESS: OrderAccess = { kind: 'staff' };

/** The access of whoever orders through `channel`: a shop customer or a partner, by their opaque id. */
export function channelAccess(channel: SalesChannel, principalId: string): OrderAccess {
  return channel === 'partner' ? { kind: 'partner', partnerId: principalId } : { kind: 'customer', customerId: principalId };
}

export function mayAccess(access: OrderAccess, state: OrderState): boolean {
  switch (access.kind) {
    case 'staff':
      return true;
    case 'customer':
      return state.channel === 'shop' && state.customerRef === access.customerId;
    case 'partner':
      return state.channel === 'partner' && state.partnerId === access.partnerId;
  }
}

/** Throws NoSuchOrderError unless the order exists and `access` lets its holder see it. */
export function assertCanAccess(access: OrderAccess, orderId: string, state: OrderState): void {
  if (!state.exists || !mayAccess(access, state)) throw new NoSuchOrderError(orderId);
}
