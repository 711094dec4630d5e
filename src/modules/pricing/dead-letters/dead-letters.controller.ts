import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../../infrastructure/auth/roles.decorator';
import { badRequest } from '../../../infrastructure/http/api-error';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../../infrastructure/http/idempotency/idempotent.decorator';
import { parseLimit } from '../../../infrastructure/http/list-query';
import { RequestCommandContext } from '../../../shared/order-commands/request-command-context';
import type { CommandContext } from '../../../shared/order-commands/command-context';
import type { PricingDeadLetter } from './dead-letters.repository';
import { PricingDeadLetterService } from './dead-letters.service';

/** Support's view of pricing jobs that gave up, and the audited way to try again. */
@ApiTags('support')
@ApiBearerAuth()
@Roles('support', 'admin')
@Controller('api/support/pricing/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: PricingDeadLetterService) {}

  @Get()
  @ApiOperation({ summary: 'Pricing jobs that failed for good, newest first (open=false includes retried ones)' })
  @ApiQuery({ name: 'open', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiErrorResponses(400, 401, 403)
  async list(@Query('open') open?: string, @Query('limit') limit?: string): Promise<{ items: PricingDeadLetter[] }> {
    const size = parseLimit(limit, { defaultLimit: 50, maxLimit: 500 });
    if (open !== undefined && open !== 'true' && open !== 'false') throw badRequest('INVALID_QUERY', 'open must be true or false');
    return { items: await this.deadLetters.list({ open: open !== 'false', limit: size }) };
  }

  @Post(':jobId/retry')
  @Idempotent()
  @HttpCode(202)
  @ApiOperation({ summary: 'Re-enqueue pricing of the order (appends PricingRetryRequested; 409 once the order has left SUBMITTED)' })
  @ApiErrorResponses(400, 401, 403, 404, 409)
  retry(
    @Param('jobId', new ParseUUIDPipe({ exceptionFactory: () => badRequest('INVALID_JOB_ID', 'jobId must be a UUID') })) jobId: string,
    @RequestCommandContext() context: CommandContext,
  ): Promise<{ orderId: string; status: string }> {
    return this.deadLetters.retry(jobId, context);
  }
}
