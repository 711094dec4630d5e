import { Injectable } from '@nestjs/common';
import { encodeCursor, type KeysetPosition, likePrefix } from '../../../infrastructure/http/list-query';
import { KEYSET_START, type OrderListItem, toListItem, ReadModelDatabase } from '../../../projections';
import { ORDER_STATUSES, type OrderStatus } from '../../../shared/order-lifecycle';
import { CHANGES_SINCE, DASHBOARD_PAGE, type DashboardRow, LATEST_CHANGE, STATUS_COUNTS } from './dashboard.queries';

/** One order on the dashboard (the list item and the SSE `order` event's data). */
export interface DashboardItem extends OrderListItem {
  operatorRef: string | null;
  /** Global position of the order's latest event: the SSE event id. */
  position: string;
}

export interface DashboardPage {
  items: DashboardItem[];
  nextCursor: string | null;
  counts: Record<OrderStatus, number>;
}

export interface DashboardQuery {
  statuses: OrderStatus[];
  search: string | undefined;
  cursor: KeysetPosition | undefined;
  limit: number;
}

/** The only code that reads the dashboard's tables (SQL in dashboard.queries.ts). */
@Injectable()
export class MesDashboardRepository {
  constructor(private readonly database: ReadModelDatabase) {}

  async page(query: DashboardQuery): Promise<DashboardPage> {
    const after = query.cursor ?? KEYSET_START;
    const search = query.search?.toLowerCase();
    const [rows, counts] = await Promise.all([
      this.database.query<DashboardRow>(DASHBOARD_PAGE, [
        query.statuses,
        after.at,
        after.id,
        query.limit + 1,
        search === undefined ? null : likePrefix(search),
        query.search ?? null,
      ]),
      this.counts(),
    ]);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toItem),
      nextCursor: rows.length > query.limit && last?.sort_key ? encodeCursor({ at: last.sort_key, id: last.order_id }) : null,
      counts,
    };
  }

  async counts(): Promise<Record<OrderStatus, number>> {
    const rows = await this.database.query<{ status: string; count: string }>(STATUS_COUNTS, []);
    const counts = Object.fromEntries(ORDER_STATUSES.map((status) => [status, 0])) as Record<OrderStatus, number>;
    for (const row of rows) if (row.status in counts) counts[row.status as OrderStatus] = Number(row.count);
    return counts;
  }

  /** Orders changed after `position`, oldest change first. */
  async changesSince(position: bigint, limit: number): Promise<DashboardItem[]> {
    const rows = await this.database.query<DashboardRow>(CHANGES_SINCE, [String(position), limit]);
    return rows.map(toItem);
  }

  /** Position of the newest change in the read model; -1 when it is empty. */
  async latestChange(): Promise<bigint> {
    const rows = await this.database.query<{ position: string }>(LATEST_CHANGE, []);
    return BigInt(rows[0]?.position ?? '-1');
  }
}

function toItem(row: DashboardRow): DashboardItem {
  return { ...toListItem(row), operatorRef: row.operator_ref, position: row.last_position };
}
