/**
 * The MES dashboard's SQL, in one place for review and EXPLAIN
 * (test/projections/dashboard-queries.int.spec.ts checks the plans).
 * All of it reads the orders read model (src/projections/read-models).
 */
import { exactUtc, LIST_ITEM_COLUMNS, type ListRow } from '../../../projections';

/** A list item's columns, plus who works on the order and the position of its latest event. */
const ITEM_COLUMNS = `${LIST_ITEM_COLUMNS}, o.operator_ref, o.last_position::text AS last_position`;

/** Row shape of DASHBOARD_PAGE and CHANGES_SINCE (only the page has the sort key). */
export interface DashboardRow extends Omit<ListRow, 'sort_key'> {
  operator_ref: string | null;
  last_position: string;
  sort_key?: string;
}

/**
 * One page, oldest waiting first: for each requested status, an index range
 * scan of orders_current_dashboard_idx (status, status_changed_at, order_id)
 * starting just after the cursor and stopping after $4 rows; then a merge of
 * those few rows. Cost grows with the page size and the number of statuses,
 * never with the table or the page number (no OFFSET).
 *
 * $1 text[] statuses, $2 cursor time (exact UTC text; '-infinity' for the
 * first page), $3 cursor order id, $4 rows to fetch (limit + 1, to know
 * whether there is a next page), $5 search prefix as a LIKE pattern or null,
 * $6 the search term for exact matches or null.
 *
 * The search matches an order id prefix, a tracking number or material
 * prefix (case-insensitive) or an operator id; it filters inside each
 * status's index walk.
 */
export const DASHBOARD_PAGE = {
  name: 'mes_dashboard_page_v1',
  text: `
    SELECT ${ITEM_COLUMNS}, ${exactUtc('o.status_changed_at')} AS sort_key
      FROM unnest($1::text[]) AS s(status)
     CROSS JOIN LATERAL (
           SELECT *
             FROM orders_current c
            WHERE c.status = s.status
              AND (c.status_changed_at, c.order_id) > ($2::timestamptz, $3::uuid)
              AND ($5::text IS NULL
                   OR c.order_id::text LIKE $5::text
                   OR lower(c.tracking_number) LIKE $5::text
                   OR lower(c.material) LIKE $5::text
                   OR c.operator_ref = $6::text)
            ORDER BY c.status_changed_at, c.order_id
            LIMIT $4::integer
           ) o
     ORDER BY o.status_changed_at, o.order_id
     LIMIT $4::integer`,
};

/** Orders per status: one row per status, kept by the projector; O(statuses), not a COUNT over the orders. */
export const STATUS_COUNTS = {
  name: 'mes_dashboard_counts_v1',
  text: `SELECT status, count::text AS count FROM order_status_counts`,
};

/**
 * Orders changed after a position, oldest change first: the SSE replay after
 * a reconnect and the live fan-out. $1 position (exclusive), $2 limit.
 * Uses orders_current_position_idx.
 */
export const CHANGES_SINCE = {
  name: 'mes_dashboard_changes_since_v1',
  text: `
    SELECT ${ITEM_COLUMNS}
      FROM orders_current o
     WHERE o.last_position > $1::bigint
     ORDER BY o.last_position
     LIMIT $2::integer`,
};

/** The newest change in the read model (where a new SSE client starts). */
export const LATEST_CHANGE = {
  name: 'mes_dashboard_latest_change_v1',
  text: `SELECT coalesce(max(last_position), -1)::text AS position FROM orders_current`,
};
