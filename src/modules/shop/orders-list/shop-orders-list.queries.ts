/**
 * The shop's "my orders" SQL (reads the orders read model, src/projections/read-models).
 * One customer's shop orders, newest first: a backward range scan of
 * orders_current_customer_idx (customer_ref, created_at, order_id) from just
 * before the cursor. No OFFSET.
 *
 * $1 customer ref (JWT sub), $2 cursor time (exact UTC text; 'infinity' for
 * the first page), $3 cursor order id, $4 rows to fetch (limit + 1).
 */
import { exactUtc, LIST_ITEM_COLUMNS } from '../../../projections';

export const SHOP_MY_ORDERS_PAGE = {
  name: 'shop_my_orders_page_v1',
  text: `
    SELECT ${LIST_ITEM_COLUMNS}, ${exactUtc('o.created_at')} AS sort_key
      FROM orders_current o
     WHERE o.customer_ref = $1::text
       AND o.channel = 'shop'
       AND (o.created_at, o.order_id) < ($2::timestamptz, $3::uuid)
     ORDER BY o.created_at DESC, o.order_id DESC
     LIMIT $4::integer`,
};
