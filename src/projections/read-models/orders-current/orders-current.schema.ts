/**
 * DDL of the orders read model, as functions of a table-name suffix: the
 * migration creates the live tables (suffix ''), the rebuild creates fresh
 * ones beside them (suffix '_rebuild') and renames them in. One definition,
 * so a rebuilt table has exactly the live table's columns and indexes.
 *
 * Index names start with their table's name, which is how the swap finds
 * and renames them (see rebuild/rebuild.ts).
 */

/** One row per order: what the shop, CRM and MES lists show. Written only by the projector. */
export const ORDERS_CURRENT = 'orders_current';
/** Orders per status, kept in step with orders_current in the same transaction. */
export const ORDER_STATUS_COUNTS = 'order_status_counts';

export function createOrdersCurrentTable(suffix: string): string {
  const table = `${ORDERS_CURRENT}${suffix}`;
  return `
    CREATE TABLE ${table} (
      order_id           uuid        NOT NULL,
      status             text        NOT NULL,
      status_changed_at  timestamptz NOT NULL,  -- occurredAt of the event that set the status (a model replacement keeps it)
      created_at         timestamptz NOT NULL,  -- occurredAt of OrderInitiated
      material           text        NOT NULL,
      price_total        numeric(14, 2),        -- null until priced, and again after a new submission
      currency           text,
      operator_ref       text,                  -- opaque id of the operator of the latest factory step
      channel            text        NOT NULL,  -- shop | partner
      customer_ref       text        NOT NULL,  -- opaque id, never personal data
      partner_id         text,
      tracking_number    text,
      revision           bigint      NOT NULL,  -- stream revision of the last event applied
      last_position      bigint      NOT NULL,  -- global position of the last event applied (SSE ids, replay)
      updated_at         timestamptz NOT NULL,  -- recordedAt of the last event applied (so a rebuild reproduces it)
      CONSTRAINT ${table}_pkey PRIMARY KEY (order_id)
    )`;
}

/**
 * The indexes, each named after the query it serves. Created after the bulk
 * load during a rebuild (cheaper than maintaining them row by row).
 */
export function ordersCurrentIndexes(suffix: string): string[] {
  const table = `${ORDERS_CURRENT}${suffix}`;
  return [
    // MES dashboard: per status, oldest waiting first, keyset on (status_changed_at, order_id).
    `CREATE INDEX ${table}_dashboard_idx ON ${table} (status, status_changed_at, order_id)`,
    // CRM list: per status, newest first (scanned backwards), keyset on (created_at, order_id).
    `CREATE INDEX ${table}_crm_idx ON ${table} (status, created_at, order_id)`,
    // Shop list: one customer's orders, newest first.
    `CREATE INDEX ${table}_customer_idx ON ${table} (customer_ref, created_at, order_id)`,
    // Partner API list: one partner's orders in the order they changed, keyset on (updated_at, order_id).
    `CREATE INDEX ${table}_partner_idx ON ${table} (partner_id, updated_at, order_id) WHERE partner_id IS NOT NULL`,
    // SSE: rows changed after a position (replay after a reconnect, live fan-out).
    `CREATE INDEX ${table}_position_idx ON ${table} (last_position)`,
  ];
}

export function createOrderStatusCountsTable(suffix: string): string {
  const table = `${ORDER_STATUS_COUNTS}${suffix}`;
  return `
    CREATE TABLE ${table} (
      status  text   NOT NULL,
      count   bigint NOT NULL CHECK (count >= 0),
      CONSTRAINT ${table}_pkey PRIMARY KEY (status)
    )`;
}

/** Where the projector is: the position of the last event applied to every read model (null: none yet). */
export const PROJECTION_CHECKPOINTS_TABLE = `
  CREATE TABLE projection_checkpoints (
    projection  text        NOT NULL PRIMARY KEY,
    position    bigint,
    updated_at  timestamptz NOT NULL DEFAULT now()
  )`;
