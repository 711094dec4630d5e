/**
 * What /metrics reads from the orders read model (ProjectionMetrics), at
 * every scrape: cheap by construction.
 */

/** The read model may not exist yet (projections not installed, or a fresh database). */
export const ORDERS_READ_MODEL_PRESENT = {
  name: 'metrics_orders_read_model_present',
  text: `SELECT to_regclass('order_status_counts') IS NOT NULL AND to_regclass('orders_current') IS NOT NULL AS present`,
};

/** Orders per status: the projector keeps the counts in their own small table. */
export const ORDER_STATUS_COUNTS = { name: 'metrics_order_status_counts', text: 'SELECT status, count::float8 AS count FROM order_status_counts' };

/** $1 text[] statuses. One index lookup per status on (status, status_changed_at): cheap even with a million orders. */
export const OLDEST_ORDER_PER_STATUS = {
  name: 'metrics_oldest_order_per_status',
  text: `SELECT s.status,
                (SELECT extract(epoch FROM now() - min(o.status_changed_at)) FROM orders_current o WHERE o.status = s.status)::float8 AS oldest_age
           FROM unnest($1::text[]) AS s(status)`,
};
