import { UnprocessableEventError } from '../../../infrastructure/event-consumers/consumer-failure';
import type { RecordedEvent } from '../../../infrastructure/event-store/event-store.port';
import { orderEventProblem, type OrderStatus } from '../../../shared/order-lifecycle';
import type { ApplyResult, ReadModel, SqlClient } from '../../runtime/read-model';
import { foldOrderRow, type OrderRow, orderIdOfStream } from './orders-current.fold';
import { addToCounts, deleteRow, loadRows, type StoredOrderRow, upsertRows } from './orders-current.queries';
import { createOrdersCurrentTable, createOrderStatusCountsTable, ORDER_STATUS_COUNTS, ORDERS_CURRENT, ordersCurrentIndexes } from './orders-current.schema';

/**
 * orders_current (one row per order) and order_status_counts. A batch is
 * applied in three statements whatever its size: load the rows of the
 * orders it touches (orders that begin in the batch need no lookup), fold
 * the events in memory, then one multi-row upsert and one counts update.
 */
export class OrdersCurrentReadModel implements ReadModel {
  readonly name = 'orders-current';
  readonly tables = [ORDERS_CURRENT, ORDER_STATUS_COUNTS] as const;

  async createTables(client: SqlClient, suffix: string): Promise<void> {
    await client.query(createOrdersCurrentTable(suffix));
    await client.query(createOrderStatusCountsTable(suffix));
  }

  async createIndexes(client: SqlClient, suffix: string): Promise<void> {
    for (const ddl of ordersCurrentIndexes(suffix)) await client.query(ddl);
  }

  async apply(client: SqlClient, events: readonly RecordedEvent[], suffix: string): Promise<ApplyResult> {
    const byOrder = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const orderId = orderIdOfStream(event.streamId);
      if (orderId === null) continue;
      assertReadable(event);
      const list = byOrder.get(orderId);
      if (list) list.push(event);
      else byOrder.set(orderId, [event]);
    }
    if (byOrder.size === 0) return { rowsChanged: 0 };

    const toLoad = [...byOrder].filter(([, list]) => !(list[0]!.type === 'OrderInitiated' && list[0]!.revision === 0n)).map(([id]) => id);
    const stored = new Map<string, OrderRow>();
    if (toLoad.length > 0) {
      const { rows } = await client.query<StoredOrderRow>({ ...loadRows(suffix), values: [toLoad] });
      for (const row of rows) stored.set(row.order_id, fromStored(row));
    }

    const changed: OrderRow[] = [];
    const deltas = new Map<OrderStatus, number>();
    const move = (status: OrderStatus, by: number) => deltas.set(status, (deltas.get(status) ?? 0) + by);
    for (const [orderId, list] of byOrder) {
      const before = stored.get(orderId);
      let after = before;
      for (const event of list) after = foldOrderRow(after, event);
      if (!after || after === before) continue;
      changed.push(after);
      if (before?.status !== after.status) {
        if (before) move(before.status, -1);
        move(after.status, +1);
      }
    }
    if (changed.length > 0) await client.query({ ...upsertRows(suffix), values: columnsOf(changed) });
    const counts = [...deltas].filter(([, delta]) => delta !== 0);
    if (counts.length > 0) {
      await client.query({ ...addToCounts(suffix), values: [counts.map(([status]) => status), counts.map(([, delta]) => String(delta))] });
    }
    return { rowsChanged: changed.length };
  }

  async reproject(client: SqlClient, streamId: string, events: readonly RecordedEvent[], suffix: string): Promise<ApplyResult> {
    const orderId = orderIdOfStream(streamId);
    if (orderId === null) return { rowsChanged: 0 };
    const { rows } = await client.query<StoredOrderRow>({ ...loadRows(suffix), values: [[orderId]] });
    const before = rows[0] ? fromStored(rows[0]) : undefined;
    let after: OrderRow | undefined;
    for (const event of events) {
      assertReadable(event);
      after = foldOrderRow(after, event);
    }
    const deltas = new Map<OrderStatus, number>();
    if (before) deltas.set(before.status, -1);
    if (after) deltas.set(after.status, (deltas.get(after.status) ?? 0) + 1);
    if (after) await client.query({ ...upsertRows(suffix), values: columnsOf([after]) });
    else if (before) await client.query({ ...deleteRow(suffix), values: [orderId] });
    const counts = [...deltas].filter(([, delta]) => delta !== 0);
    if (counts.length > 0) {
      await client.query({ ...addToCounts(suffix), values: [counts.map(([status]) => status), counts.map(([, delta]) => String(delta))] });
    }
    return { rowsChanged: before || after ? 1 : 0 };
  }
}

/** The fold trusts the event's shape: one it cannot read is refused here, by name, so the projector parks exactly it. */
function assertReadable(event: RecordedEvent): void {
  const problem = orderEventProblem(event);
  if (problem !== null) throw new UnprocessableEventError(event, problem);
}

function fromStored(row: StoredOrderRow): OrderRow {
  return {
    orderId: row.order_id,
    status: row.status as OrderStatus,
    statusChangedAt: row.status_changed_at,
    createdAt: row.created_at,
    material: row.material,
    priceTotal: row.price_total,
    currency: row.currency,
    operatorRef: row.operator_ref,
    channel: row.channel,
    customerRef: row.customer_ref,
    partnerId: row.partner_id,
    trackingNumber: row.tracking_number,
    revision: BigInt(row.revision),
    lastPosition: BigInt(row.last_position),
    updatedAt: row.updated_at,
  };
}

/** The upsert's fifteen column arrays, in its parameter order. */
function columnsOf(rows: readonly OrderRow[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 15 }, () => new Array<unknown>(rows.length));
  rows.forEach((row, i) => {
    columns[0]![i] = row.orderId;
    columns[1]![i] = row.status;
    columns[2]![i] = row.statusChangedAt;
    columns[3]![i] = row.createdAt;
    columns[4]![i] = row.material;
    columns[5]![i] = row.priceTotal;
    columns[6]![i] = row.currency;
    columns[7]![i] = row.operatorRef;
    columns[8]![i] = row.channel;
    columns[9]![i] = row.customerRef;
    columns[10]![i] = row.partnerId;
    columns[11]![i] = row.trackingNumber;
    columns[12]![i] = String(row.revision);
    columns[13]![i] = String(row.lastPosition);
    columns[14]![i] = row.updatedAt;
  });
  return columns;
}
