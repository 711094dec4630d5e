import { Controller, Get, Header, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppSettings } from '../../../config/app-settings';
import { JwtService } from '../../../infrastructure/auth/jwt.service';
import type { Principal } from '../../../infrastructure/auth/principal';
import { CurrentPrincipal, Public, Roles } from '../../../infrastructure/auth/roles.decorator';
import { badRequest, forbidden, unauthorized } from '../../../infrastructure/http/api-error';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../../infrastructure/http/idempotency/idempotent.decorator';
import { parseCursor, parseLimit, rejectUnknownParameters, parseSearch } from '../../../infrastructure/http/list-query';
import { parseStatusFilter } from '../../../projections';
import { ORDER_STATUSES } from '../../../shared/order-lifecycle';
import { DashboardPageCache } from './dashboard-page-cache';
import { DashboardStreamService } from './dashboard-stream.service';
import { MesDashboardRepository } from './mes-dashboard.repository';

const LIMITS = { defaultLimit: 50, maxLimit: 200 };
const BEARER = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i;
/**
 * Lifetime of a stream ticket. EventSource cannot send an Authorization
 * header, so the page passes a ticket in the URL; URLs end up in access logs
 * and browser history, so the ticket only lives long enough to open (or
 * reopen) one stream, never as long as the operator's own token.
 */
const STREAM_TICKET_SECONDS = 60;

/** The operators' dashboard: current orders with counts, and their changes live. */
@ApiTags('mes')
@ApiBearerAuth()
@Controller('api/mes/orders')
export class MesDashboardController {
  constructor(
    private readonly repository: MesDashboardRepository,
    private readonly pages: DashboardPageCache,
    private readonly stream: DashboardStreamService,
    private readonly jwt: JwtService,
    private readonly settings: AppSettings,
  ) {}

  @Post('stream-ticket')
  @Idempotent()
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: `A ${STREAM_TICKET_SECONDS}-second token for ?access_token= on the stream (EventSource cannot send headers)` })
  @ApiResponse({ status: 200, description: '{ ticket, expiresInSeconds }' })
  @ApiErrorResponses(401, 403)
  async streamTicket(@CurrentPrincipal() principal: Principal): Promise<{ ticket: string; expiresInSeconds: number }> {
    const ticket = await JwtService.sign(this.settings.jwtSecret, principal.id, ['operator'], STREAM_TICKET_SECONDS, {
      audience: this.settings.config.auth.audience,
      purpose: 'mes-stream',
    });
    return { ticket, expiresInSeconds: STREAM_TICKET_SECONDS };
  }

  @Get()
  @Roles('operator')
  @ApiOperation({ summary: 'Dashboard page: orders oldest-waiting first, keyset-paginated, with the number of orders per status' })
  @ApiQuery({ name: 'status', required: false, description: `one or more of ${ORDER_STATUSES.join(', ')} (repeat or comma-separate); all when absent` })
  @ApiQuery({ name: 'q', required: false, description: 'search: order id prefix, tracking number or material prefix, operator id' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiResponse({ status: 200, description: '{ items, nextCursor, counts }: a DashboardPage' })
  @ApiErrorResponses(400, 401, 403)
  // The cache keeps the serialized answer: serializing 50 orders on every read of an unchanged page was a
  // sixth of its CPU. It is sent as is; the type of what it holds is DashboardPage.
  @Header('content-type', 'application/json; charset=utf-8')
  list(@Query() query: Record<string, unknown>): Promise<string> {
    rejectUnknownParameters(query, ['status', 'q', 'cursor', 'limit']);
    const pageQuery = {
      statuses: parseStatusFilter(query.status),
      search: parseSearch(query.q),
      cursor: parseCursor(query.cursor),
      limit: parseLimit(query.limit, LIMITS),
    };
    // parseStatusFilter already answers in lifecycle order without duplicates: one key per distinct filter.
    const key = JSON.stringify([pageQuery.statuses, pageQuery.search ?? null, pageQuery.cursor ?? null, pageQuery.limit]);
    return this.pages.get(key, async (mustHaveReplayed) => JSON.stringify(await this.repository.page(pageQuery, mustHaveReplayed)));
  }

  /**
   * Public at the guard because EventSource cannot send an Authorization
   * header: the operator's token comes in the header or, for EventSource
   * clients, a 60-second ticket (POST stream-ticket) comes as
   * `?access_token=`; a full bearer token there is refused (401
   * STREAM_TICKET_REQUIRED), since URLs end up in logs and history. Open
   * streams are capped per operator and per replica (MES_STREAMS_PER_USER,
   * MES_STREAMS_MAX): 429 TOO_MANY_STREAMS beyond.
   */
  @Get('stream')
  @Public()
  @ApiOperation({
    summary: 'Server-sent events of order changes (event: order | counts | hello | reset); resumes after Last-Event-ID',
    description:
      'Authenticate with `Authorization: Bearer <token>` or, where the client cannot set headers (EventSource), `?access_token=<ticket>` with a ticket from ' +
      'POST /api/mes/orders/stream-ticket (a bearer token is refused there). ' +
      'Send `Last-Event-ID` (or `?lastEventId=`) to receive every order changed since that position before the live changes. ' +
      'Each operator may hold MES_STREAMS_PER_USER streams open, a replica MES_STREAMS_MAX in all: 429 TOO_MANY_STREAMS beyond.',
  })
  @ApiProduces('text/event-stream')
  @ApiErrorResponses(400, 401, 403, 429)
  async events(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const principal = await this.authenticate(request.headers.authorization, query.access_token);
    const lastEventId = parseLastEventId(request.headers['last-event-id'] ?? query.lastEventId);
    // Throws 429 TOO_MANY_STREAMS while the response is still the framework's to answer.
    const release = this.stream.reserve(principal.id);
    reply.hijack();
    await this.stream.open(reply.raw, lastEventId, release);
  }

  private async authenticate(header: string | undefined, queryToken: unknown): Promise<Principal> {
    let principal: Principal;
    if (header !== undefined) {
      const token = BEARER.exec(header)?.[1];
      if (!token) throw unauthorized('INVALID_TOKEN', 'the Authorization header must be `Bearer <token>`');
      principal = await this.jwt.verify(token);
    } else if (typeof queryToken === 'string' && queryToken.length > 0) {
      // Only a stream ticket: a bearer token in a URL would live on in access logs and browser history.
      principal = await this.jwt.verify(queryToken, { purpose: 'mes-stream' });
    } else {
      throw unauthorized('UNAUTHENTICATED', 'send Authorization: Bearer <token>, or ?access_token=<ticket> (POST /api/mes/orders/stream-ticket) from EventSource');
    }
    if (!principal.roles.includes('operator')) {
      throw forbidden('FORBIDDEN_ROLE', `this endpoint is for operator; you are ${principal.roles.join(', ')}`);
    }
    return principal;
  }
}

function parseLastEventId(raw: unknown): bigint | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,20}$/.test(raw)) {
    throw badRequest('INVALID_LAST_EVENT_ID', 'Last-Event-ID must be the id of an event this stream sent (a position)');
  }
  return BigInt(raw);
}
