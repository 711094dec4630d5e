/**
 * Order statuses and material codes: the binding vocabulary of the lifecycle
 * (ARCHITECTURE.md, "Order lifecycle"). Names are a contract with clients;
 * extend, never rename.
 */

/** Every status, in lifecycle order (lists and dashboards may rely on this order). */
export const ORDER_STATUSES = [
  'INITIATED',
  'FILE_UPLOADED',
  'SUBMITTED',
  'PRICE_CALCULATED',
  'MANUFACTURING_APPROVED',
  'MANUFACTURING_STARTED',
  'MANUFACTURING_COMPLETED',
  'PACKAGING',
  'SHIPPED',
  'CLOSED',
  'CANCELLED',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses nothing leaves: the stream of such an order is finished. */
export const TERMINAL_STATUSES = ['CLOSED', 'CANCELLED'] as const satisfies readonly OrderStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}

export function isTerminalStatus(status: OrderStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly OrderStatus[]).includes(status);
}

/**
 * The binding material codes. The price list may add more, so an order's
 * material is typed as a plain string (`MaterialCode`) that the caller checks
 * against the price list; this set is what every deployment knows.
 */
export const MATERIALS = ['GOLD_585', 'GOLD_750', 'SILVER_925', 'PLATINUM_950'] as const;
export type KnownMaterialCode = (typeof MATERIALS)[number];
export type MaterialCode = string;

export function isKnownMaterialCode(value: unknown): value is KnownMaterialCode {
  return typeof value === 'string' && (MATERIALS as readonly string[]).includes(value);
}
