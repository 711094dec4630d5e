import { Controller, Get, Injectable, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../../infrastructure/auth/roles.decorator';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { encodeCursor, type KeysetPosition, parseCursor, parseLimit, rejectUnknownParameters } from '../../../infrastructure/http/list-query';
import { KEYSET_END, type ListRow, type OrderListPage, parseStatusFilter, toListItem, ReadModelDatabase } from '../../../projections';
import { ORDER_STATUSES, type OrderStatus } from '../../../shared/order-lifecycle';
import { CRM_ORDERS_PAGE } from './crm-orders-list.queries';

const LIMITS = { defaultLimit: 50, maxLimit: 200 };

/** The only code that reads the CRM list (SQL in crm-orders-list.queries.ts). */
@Injectable()
export class CrmOrdersListRepository {
  constructor(private readonly database: ReadModelDatabase) {}

  async page(statuses: OrderStatus[], cursor: KeysetPosition | undefined, limit: number): Promise<OrderListPage> {
    const before = cursor ?? KEYSET_END;
    const rows = await this.database.read<ListRow>(CRM_ORDERS_PAGE, [statuses, before.at, before.id, limit + 1]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toListItem), nextCursor: rows.length > limit && last ? encodeCursor({ at: last.sort_key, id: last.order_id }) : null };
  }
}

/** Sellers' list of every order, newest first. */
@ApiTags('crm')
@ApiBearerAuth()
@Roles('seller')
@Controller('api/crm/orders')
export class CrmOrdersListController {
  constructor(private readonly repository: CrmOrdersListRepository) {}

  @Get()
  @ApiOperation({ summary: 'Orders, newest first, keyset-paginated' })
  @ApiQuery({ name: 'status', required: false, description: `one or more of ${ORDER_STATUSES.join(', ')} (repeat or comma-separate); all when absent` })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiResponse({ status: 200, description: '{ items, nextCursor }' })
  @ApiErrorResponses(400, 401, 403)
  list(@Query() query: Record<string, unknown>): Promise<OrderListPage> {
    rejectUnknownParameters(query, ['status', 'cursor', 'limit']);
    return this.repository.page(parseStatusFilter(query.status), parseCursor(query.cursor), parseLimit(query.limit, LIMITS));
  }
}
