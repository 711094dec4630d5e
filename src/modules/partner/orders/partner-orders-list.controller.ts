import { Controller, Get, Injectable, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../../infrastructure/auth/principal';
import { CurrentPrincipal, Roles } from '../../../infrastructure/auth/roles.decorator';
import { badRequest } from '../../../infrastructure/http/api-error';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { encodeCursor, type KeysetPosition, parseCursor, parseLimit, rejectUnknownParameters } from '../../../infrastructure/http/list-query';
import { KEYSET_START, type ListRow, type OrderListItem, parseStatusFilter, ReadModelDatabase, toListItem } from '../../../projections';
import { ORDER_STATUSES, type OrderStatus } from '../../../shared/order-lifecycle';
import { PARTNER_ORDERS_PAGE } from './partner-orders-list.queries';

const LIMITS = { defaultLimit: 50, maxLimit: 200 };
const QUERY_PARAMETERS = ['status', 'updatedAfter', 'cursor', 'limit'];
/** After every order id at the same instant: `updatedAfter` is exclusive. */
const LAST_ORDER_ID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

export interface PartnerOrderListItem extends OrderListItem {
  /** When the order last changed (its latest event): what `updatedAfter` and the order of the list refer to. */
  updatedAt: string;
}

export interface PartnerOrderListPage {
  items: PartnerOrderListItem[];
  nextCursor: string | null;
}

/** The only code that reads the partner list (SQL in partner-orders-list.queries.ts). */
@Injectable()
export class PartnerOrdersListRepository {
  constructor(private readonly database: ReadModelDatabase) {}

  async page(partnerId: string, statuses: OrderStatus[], after: KeysetPosition, limit: number): Promise<PartnerOrderListPage> {
    const rows = await this.database.read<ListRow>(PARTNER_ORDERS_PAGE, [partnerId, statuses, after.at, after.id, limit + 1]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({ ...toListItem(row), updatedAt: row.sort_key })),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.sort_key, id: last.order_id }) : null,
    };
  }
}

/** A partner's own orders, as a feed of changes: oldest change first, keyset-paginated. */
@ApiTags('partner')
@ApiSecurity('partner-api-key')
@Roles('partner')
@Controller('api/partner/v1/orders')
export class PartnerOrdersListController {
  constructor(private readonly repository: PartnerOrdersListRepository) {}

  @Get()
  @ApiOperation({ summary: "The partner's own orders, in the order they last changed (oldest first), keyset-paginated: follow nextCursor, or ask again with updatedAfter" })
  @ApiQuery({ name: 'status', required: false, description: `one or more of ${ORDER_STATUSES.join(', ')} (repeat or comma-separate); all when absent` })
  @ApiQuery({ name: 'updatedAfter', required: false, description: 'ISO 8601 time: only orders whose latest change is after it' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiResponse({ status: 200, description: '{ items, nextCursor }; each item has updatedAt' })
  @ApiErrorResponses(400, 401, 403, 429)
  list(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<PartnerOrderListPage> {
    rejectUnknownParameters(query, QUERY_PARAMETERS);
    const statuses = parseStatusFilter(query.status);
    const limit = parseLimit(query.limit, LIMITS);
    const cursor = parseCursor(query.cursor);
    const updatedAfter = parseUpdatedAfter(query.updatedAfter);
    const start = cursor ?? (updatedAfter ? { at: updatedAfter, id: LAST_ORDER_ID } : KEYSET_START);
    return this.repository.page(principal.id, statuses, start, limit);
  }
}

function parseUpdatedAfter(raw: unknown): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const invalid = () => badRequest('INVALID_UPDATED_AFTER', 'updatedAfter must be one ISO 8601 time with a time zone, for example 2026-12-01T08:00:00Z');
  if (typeof raw !== 'string' || raw.length > 40 || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) throw invalid();
  const time = Date.parse(raw);
  if (Number.isNaN(time)) throw invalid();
  // Microseconds are kept (PostgreSQL reads the text as given): an updatedAt copied from an item is exact.
  return raw;
}
