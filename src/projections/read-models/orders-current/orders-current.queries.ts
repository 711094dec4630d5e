/**
 * The projector's SQL for orders_current and order_status_counts, in one
 * place. Statements are named (parsed and planned once per connection); the
 * suffix selects the live tables ('') or a rebuild's ('_rebuild').
 *
 * Values cross the wire as text (timestamps, numerics, bigints), so nothing
 * is rounded through a JS number or Date on the way back in.
 */
import { ORDER_STATUS_COUNTS, ORDERS_CURRENT } from './orders-current.schema';

export interface Statement {
  name: string;
  text: string;
}

const memo = new Map<string, Statement>();
function statement(name: string, suffix: string, text: (table: string, counts: string) => string): Statement {
  const key = `${name}${suffix}`;
  let found = memo.get(key);
  if (!found) {
    found = { name: `${key}_v1`, text: text(`${ORDERS_CURRENT}${suffix}`, `${ORDER_STATUS_COUNTS}${suffix}`) };
    memo.set(key, found);
  }
  return found;
}

/** Row shape of LOAD_ROWS. */
export interface StoredOrderRow {
  order_id: string;
  status: string;
  status_changed_at: string;
  created_at: string;
  material: string;
  price_total: string | null;
  currency: string | null;
  operator_ref: string | null;
  channel: string;
  customer_ref: string;
  partner_id: string | null;
  tracking_number: string | null;
  revision: string;
  last_position: string;
  updated_at: string;
}

/** $1 uuid[]: the stored rows of these orders (primary key lookups). */
export const loadRows = (suffix: string) =>
  statement(
    'orders_current_load',
    suffix,
    (table) => `
    SELECT order_id::text AS order_id, status, status_changed_at::text AS status_changed_at, created_at::text AS created_at,
           material, price_total::text AS price_total, currency, operator_ref, channel, customer_ref, partner_id,
           tracking_number, revision::text AS revision, last_position::text AS last_position, updated_at::text AS updated_at
      FROM ${table}
     WHERE order_id = ANY ($1::uuid[])`,
  );

/** $1..$15: one array per column, one element per order. One statement writes a whole batch. */
export const upsertRows = (suffix: string) =>
  statement(
    'orders_current_upsert',
    suffix,
    (table) => `
    INSERT INTO ${table} AS o (order_id, status, status_changed_at, created_at, material, price_total, currency, operator_ref,
                               channel, customer_ref, partner_id, tracking_number, revision, last_position, updated_at)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::numeric[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::bigint[], $15::timestamptz[])
    ON CONFLICT (order_id) DO UPDATE SET
      status = EXCLUDED.status, status_changed_at = EXCLUDED.status_changed_at, created_at = EXCLUDED.created_at,
      material = EXCLUDED.material, price_total = EXCLUDED.price_total, currency = EXCLUDED.currency,
      operator_ref = EXCLUDED.operator_ref, channel = EXCLUDED.channel, customer_ref = EXCLUDED.customer_ref,
      partner_id = EXCLUDED.partner_id, tracking_number = EXCLUDED.tracking_number, revision = EXCLUDED.revision,
      last_position = EXCLUDED.last_position, updated_at = EXCLUDED.updated_at`,
  );

/**
 * $1 text[] statuses, $2 bigint[] deltas (may be negative): counts move with the rows, in the same transaction.
 * An UPDATE of the existing rows, then an INSERT of the statuses seen for the first time: an
 * `INSERT .. ON CONFLICT DO UPDATE` would check `count >= 0` on the proposed row (a negative delta)
 * before finding the conflict. Only the leader writes these tables, under the checkpoint row lock,
 * so no other writer can insert a status in between.
 */
export const addToCounts = (suffix: string) =>
  statement(
    'order_status_counts_add',
    suffix,
    (_table, counts) => `
    WITH delta AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS d(status, delta)),
         updated AS (UPDATE ${counts} AS c SET count = c.count + delta.delta FROM delta WHERE c.status = delta.status RETURNING c.status)
    INSERT INTO ${counts} (status, count)
    SELECT status, delta FROM delta WHERE status NOT IN (SELECT status FROM updated)`,
  );

/** $1 uuid: the row of one order, when support's repair folds its stream to nothing. */
export const deleteRow = (suffix: string) => statement('orders_current_delete', suffix, (table) => `DELETE FROM ${table} WHERE order_id = $1::uuid`);
