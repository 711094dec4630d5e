import { Injectable } from '@nestjs/common';
import type { Lsn } from '../../../infrastructure/database/read-replicas/lsn';
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

  /** A page, from a read replica when one has replayed `mustHaveReplayed` (see DashboardPageCache), else from the primary. */
  async page(query: DashboardQuery, mustHaveReplayed?: Lsn): Promise<DashboardPage> {
    const after = query.cursor ?? KEYSET_START;
    const search = query.search?.toLowerCase();
    const [rows, counts] = await Promise.all([
      this.database.read<DashboardRow>(
        DASHBOARD_PAGE,
        [query.statuses, after.at, after.id, query.limit + 1, search === undefined ? null : likePrefix(search), query.search ?? null],
        mustHaveReplayed,
      ),
      this.database.read<{ status: string; count: string }>(STATUS_COUNTS, [], mustHaveReplayed).then(toCounts),
    ]);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toItem),
      nextCursor: rows.length > query.limit && last?.sort_key ? encodeCursor({ at: last.sort_key, id: last.order_id }) : null,
      counts,
    };
  }

  /** The counts on the primary: the SSE stream sends them right after the change it announces. */
  async counts(): Promise<Record<OrderStatus, number>> {
    return toCounts(await this.database.query<{ status: string; count: string }>(STATUS_COUNTS, []));
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

function toCounts(rows: Array<{ status: string; count: string }>): Record<OrderStatus, number> {
  const counts = Object.fromEntries(ORDER_STATUSES.map((status) => [status, 0])) as Record<OrderStatus, number>;
  for (const row of rows) if (row.status in counts) counts[row.status as OrderStatus] = Number(row.count);
  return counts;
}

function toItem(row: DashboardRow): DashboardItem {
  return { ...toListItem(row), operatorRef: row.operator_ref, position: row.last_position };
}
