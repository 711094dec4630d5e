import { Controller, Get, Injectable, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../infrastructure/auth/roles.decorator';
import type { Principal } from '../../../infrastructure/auth/principal';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { encodeCursor, type KeysetPosition, parseCursor, parseLimit, rejectUnknownParameters } from '../../../infrastructure/http/list-query';
import { KEYSET_END, type ListRow, type OrderListPage, toListItem, ReadModelDatabase } from '../../../projections';
import { SHOP_MY_ORDERS_PAGE } from './shop-orders-list.queries';

const LIMITS = { defaultLimit: 20, maxLimit: 100 };

/** The only code that reads the shop's order list (SQL in shop-orders-list.queries.ts). */
@Injectable()
export class ShopOrdersListRepository {
  constructor(private readonly database: ReadModelDatabase) {}

  async page(customerRef: string, cursor: KeysetPosition | undefined, limit: number): Promise<OrderListPage> {
    const before = cursor ?? KEYSET_END;
    const rows = await this.database.read<ListRow>(SHOP_MY_ORDERS_PAGE, [customerRef, before.at, before.id, limit + 1]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toListItem), nextCursor: rows.length > limit && last ? encodeCursor({ at: last.sort_key, id: last.order_id }) : null };
  }
}

/** A customer's own orders (matched on the opaque customer ref, the JWT `sub`), newest first. */
@ApiTags('shop')
@ApiBearerAuth()
@Roles('customer')
@Controller('api/shop/orders')
export class ShopOrdersListController {
  constructor(private readonly repository: ShopOrdersListRepository) {}

  @Get()
  @ApiOperation({ summary: 'My orders, newest first, keyset-paginated' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 20' })
  @ApiResponse({ status: 200, description: '{ items, nextCursor }' })
  @ApiErrorResponses(400, 401, 403)
  list(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<OrderListPage> {
    rejectUnknownParameters(query, ['cursor', 'limit']);
    return this.repository.page(principal.id, parseCursor(query.cursor), parseLimit(query.limit, LIMITS));
  }
}
