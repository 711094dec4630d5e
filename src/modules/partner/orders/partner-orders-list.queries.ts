/**
 * The partner order list's SQL (reads the orders read model, src/projections/read-models).
 * One partner's orders in the order they last changed, oldest change first:
 * a range scan of orders_current_partner_idx (partner_id, updated_at,
 * order_id) from just after the cursor, so a partner can follow its orders
 * as a feed (`updatedAfter`, then `nextCursor`). The status filter is checked
 * on the rows the walk meets. No OFFSET.
 *
 * $1 partner id, $2 text[] statuses, $3 cursor time (exact UTC text;
 * '-infinity' for the first page), $4 cursor order id, $5 rows to fetch (limit + 1).
 */
import { exactUtc, LIST_ITEM_COLUMNS } from '../../../projections';

export const PARTNER_ORDERS_PAGE = {
  name: 'partner_orders_page_v1',
  text: `
    SELECT ${LIST_ITEM_COLUMNS}, ${exactUtc('o.updated_at')} AS sort_key
      FROM orders_current o
     WHERE o.partner_id = $1::text
       AND (o.updated_at, o.order_id) > ($3::timestamptz, $4::uuid)
       AND o.status = ANY($2::text[])
     ORDER BY o.updated_at, o.order_id
     LIMIT $5::integer`,
};
