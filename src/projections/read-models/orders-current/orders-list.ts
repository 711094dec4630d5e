import { badRequest } from '../../../infrastructure/http/api-error';
import { parseMultiValue } from '../../../infrastructure/http/list-query';
import { isOrderStatus, ORDER_STATUSES, type OrderStatus } from '../../../shared/order-lifecycle';

/**
 * Helpers for the modules' list queries over orders_current (the read
 * model is published to shop, CRM and MES for reading; only the projector
 * writes it).
 */

/** `?status=`: one or more statuses (repeated or comma-separated); all statuses when absent. */
export function parseStatusFilter(raw: unknown): OrderStatus[] {
  const given = parseMultiValue(raw);
  if (given.length === 0) return [...ORDER_STATUSES];
  const unknown = given.filter((status) => !isOrderStatus(status));
  if (unknown.length > 0) {
    throw badRequest('INVALID_STATUS', `unknown status ${unknown.map((status) => JSON.stringify(status.slice(0, 40))).join(', ')}`, {
      allowed: ORDER_STATUSES,
    });
  }
  // Lifecycle order, no duplicates.
  return ORDER_STATUSES.filter((status) => given.includes(status));
}

/** A timestamptz column as the exact UTC text that cursors carry (microseconds, so no two rows collide by rounding). */
export const exactUtc = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Bounds of the keyset before the first page: every row sorts after the first and before the second. */
export const KEYSET_START = { at: '-infinity', id: '00000000-0000-0000-0000-000000000000' } as const;
export const KEYSET_END = { at: 'infinity', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' } as const;

/** orders_current.price_total (numeric text) and currency as the API's price, or null. */
export function priceOf(total: string | null, currency: string | null): { total: number; currency: string } | null {
  return total === null || currency === null ? null : { total: Number(total), currency };
}

/** Columns of a list item, shared by the shop, CRM and MES lists (the dashboard adds two). */
export const LIST_ITEM_COLUMNS = `o.order_id::text AS order_id, o.status, o.status_changed_at, o.created_at, o.material,
  o.price_total::text AS price_total, o.currency, o.channel, o.tracking_number, o.revision::text AS revision`;

/** Row shape of LIST_ITEM_COLUMNS plus the keyset sort key. */
export interface ListRow {
  order_id: string;
  status: string;
  status_changed_at: Date;
  created_at: Date;
  material: string;
  price_total: string | null;
  currency: string | null;
  channel: string;
  tracking_number: string | null;
  revision: string;
  sort_key: string;
}

/** One order in the shop and CRM lists. */
export interface OrderListItem {
  id: string;
  status: string;
  statusChangedAt: string;
  createdAt: string;
  material: string;
  price: { total: number; currency: string } | null;
  channel: string;
  trackingNumber: string | null;
  revision: number;
}

export interface OrderListPage {
  items: OrderListItem[];
  nextCursor: string | null;
}

export function toListItem(row: Omit<ListRow, 'sort_key'>): OrderListItem {
  return {
    id: row.order_id,
    status: row.status,
    statusChangedAt: row.status_changed_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    material: row.material,
    price: priceOf(row.price_total, row.currency),
    channel: row.channel,
    trackingNumber: row.tracking_number,
    revision: Number(row.revision),
  };
}
