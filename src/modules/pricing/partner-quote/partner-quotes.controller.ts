import { Controller, Get, Headers, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Roles } from '../../../infrastructure/auth/roles.decorator';
import type { Principal } from '../../../infrastructure/auth/principal';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../../infrastructure/http/idempotency/idempotent.decorator';
import type { AuthenticatedRequest } from '../../../infrastructure/http/request-context';
import { UuidPipe } from '../../../infrastructure/http/uuid-param.pipe';
import { declaredLength, MODEL_CONTENT_TYPES, modelStreamOf } from '../model-intake/model-request';
import { QuoteService, type QuoteView } from './quote.service';

@ApiTags('partner')
@ApiSecurity('partner-api-key')
@Roles('partner')
@Controller('api/partner/v1/quotes')
export class PartnerQuotesController {
  constructor(private readonly quotes: QuoteService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary:
      'Price a model without an order: 200 with the price and breakdown (or status "rejected" with the model\'s issues), 202 + Location when it takes longer, 503 + Retry-After when pricing is busy',
  })
  @ApiQuery({ name: 'material', required: true, example: 'GOLD_750' })
  @ApiConsumes(...MODEL_CONTENT_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 200, description: 'finished' })
  @ApiResponse({ status: 202, description: 'still calculating: GET the Location' })
  @ApiErrorResponses(400, 401, 403, 413, 415, 422, 429, 503)
  async create(
    @Query('material') material: string | undefined,
    @Req() request: AuthenticatedRequest,
    @Headers('content-length') contentLength: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<QuoteView> {
    const answer = await this.quotes.quote(principal, material, modelStreamOf(request), declaredLength(contentLength));
    reply.status(answer.httpStatus).header('location', answer.location);
    if (answer.httpStatus === 202) reply.header('retry-after', '1');
    return answer.body;
  }

  @Get(':id')
  @ApiOperation({ summary: 'A quote: status pending (poll again), done (price), rejected (model issues) or failed' })
  @ApiErrorResponses(400, 401, 403, 404)
  async get(
    @Param('id', new UuidPipe('INVALID_QUOTE_ID')) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<QuoteView> {
    const view = await this.quotes.view(id, principal.id);
    if (view.status === 'pending') reply.header('retry-after', '1');
    return view;
  }
}
