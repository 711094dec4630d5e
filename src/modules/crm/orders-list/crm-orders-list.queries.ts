/**
 * The CRM order list's SQL (reads the orders read model, src/projections/read-models).
 * Newest first: for each requested status, a backward range scan of
 * orders_current_crm_idx (status, created_at, order_id) from just before the
 * cursor, stopping after $4 rows; then a merge of those few rows. No OFFSET.
 *
 * $1 text[] statuses, $2 cursor time (exact UTC text; 'infinity' for the first
 * page), $3 cursor order id, $4 rows to fetch (limit + 1).
 */
import { exactUtc, LIST_ITEM_COLUMNS } from '../../../projections';

export const CRM_ORDERS_PAGE = {
  name: 'crm_orders_page_v1',
  text: `
    SELECT ${LIST_ITEM_COLUMNS}, ${exactUtc('o.created_at')} AS sort_key
      FROM unnest($1::text[]) AS s(status)
     CROSS JOIN LATERAL (
           SELECT *
             FROM orders_current c
            WHERE c.status = s.status
              AND (c.created_at, c.order_id) < ($2::timestamptz, $3::uuid)
            ORDER BY c.created_at DESC, c.order_id DESC
            LIMIT $4::integer
           ) o
     ORDER BY o.created_at DESC, o.order_id DESC
     LIMIT $4::integer`,
};
