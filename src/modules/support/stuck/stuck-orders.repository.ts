import { Injectable } from '@nestjs/common';
import { ReadModelDatabase } from '../../../projections';
import type { OrderStatus } from '../../../shared/order-lifecycle';

export interface OverdueOrderRow {
  orderId: string;
  status: OrderStatus;
  channel: 'shop' | 'partner';
  statusChangedAt: string;
  revision: number;
  overdueMs: number;
}

/** Orders past their status SLA, most overdue first: one index range per status on (status, status_changed_at). */
export const OVERDUE_ORDERS = {
  name: 'support_overdue_orders',
  text: `SELECT o.order_id, o.status, o.channel, o.status_changed_at, o.revision,
                (extract(epoch FROM $3::timestamptz - o.status_changed_at) * 1000 - s.sla_ms)::bigint AS overdue_ms
           FROM unnest($1::text[], $2::float8[]) AS s(status, sla_ms)
           CROSS JOIN LATERAL (
             SELECT * FROM orders_current c
              WHERE c.status = s.status AND c.status_changed_at < $3::timestamptz - s.sla_ms * interval '1 millisecond'
              ORDER BY c.status_changed_at, c.order_id
              LIMIT $4
           ) o
          ORDER BY overdue_ms DESC, o.order_id
          LIMIT $4`,
};

/** How many orders are past their SLA, per status. */
export const OVERDUE_COUNTS = {
  name: 'support_overdue_counts',
  text: `SELECT s.status,
                (SELECT count(*) FROM orders_current c
                  WHERE c.status = s.status AND c.status_changed_at < $3::timestamptz - s.sla_ms * interval '1 millisecond') AS stuck
           FROM unnest($1::text[], $2::float8[]) AS s(status, sla_ms)`,
};

const READ_MODEL_ROW = { name: 'support_read_model_row', text: 'SELECT revision, status FROM orders_current WHERE order_id = $1' };

/**
 * Support's queries over the orders read model (owned by the projections).
 * The stuck scan may run on a read replica; the row compared with an
 * order's stream is read on the primary, so a replica's lag is not reported
 * as a projection out of step.
 */
@Injectable()
export class StuckOrdersRepository {
  constructor(private readonly database: ReadModelDatabase) {}

  /** Orders past their status SLA, most overdue first. */
  async findOverdue(slaMs: Partial<Record<OrderStatus, number>>, now: Date, limit: number): Promise<OverdueOrderRow[]> {
    const [statuses, slas] = slaArrays(slaMs);
    const rows = await this.database.read<{
      order_id: string;
      status: OrderStatus;
      channel: 'shop' | 'partner';
      status_changed_at: Date;
      revision: string;
      overdue_ms: string;
    }>(OVERDUE_ORDERS, [statuses, slas, now.toISOString(), limit]);
    return rows.map((row) => ({
      orderId: row.order_id,
      status: row.status,
      channel: row.channel,
      statusChangedAt: row.status_changed_at.toISOString(),
      revision: Number(row.revision),
      overdueMs: Number(row.overdue_ms),
    }));
  }

  /** How many orders are past their SLA, per status (for the `orders_stuck` gauge and the list's header). */
  async countOverdue(slaMs: Partial<Record<OrderStatus, number>>, now: Date): Promise<Partial<Record<OrderStatus, number>>> {
    const [statuses, slas] = slaArrays(slaMs);
    const rows = await this.database.read<{ status: OrderStatus; stuck: string }>(OVERDUE_COUNTS, [statuses, slas, now.toISOString()]);
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.stuck)]));
  }

  /** The read model's row for one order, to compare with its stream. */
  async readModelRow(orderId: string): Promise<{ revision: number | null; status: string | null }> {
    const [row] = await this.database.query<{ revision: string; status: string }>(READ_MODEL_ROW, [orderId]);
    return row ? { revision: Number(row.revision), status: row.status } : { revision: null, status: null };
  }
}

function slaArrays(slaMs: Partial<Record<OrderStatus, number>>): [string[], number[]] {
  const entries = Object.entries(slaMs).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
  return [entries.map(([status]) => status), entries.map(([, ms]) => ms)];
}
