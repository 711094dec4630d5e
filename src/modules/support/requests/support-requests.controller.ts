import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../../infrastructure/auth/roles.decorator';
import { badRequest, notFound } from '../../../infrastructure/http/api-error';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { isSaneRequestId } from '../../../infrastructure/http/request-id/request-id';
import { type RequestEvent, RequestEventsRepository } from './request-events.repository';

export interface RequestTrail {
  requestId: string;
  /** The orders the request changed, in the order it changed them. */
  orderIds: string[];
  events: RequestEvent[];
}

/** From the request id a customer quotes (X-Request-Id, `requestId` in an error) to what that request changed. */
@ApiTags('support')
@ApiBearerAuth()
@Roles('support', 'admin')
@Controller('api/support/requests')
export class SupportRequestsController {
  constructor(private readonly requests: RequestEventsRepository) {}

  @Get(':requestId')
  @ApiOperation({
    summary: 'The events a request appended (stream, revision, type, time) and the orders they belong to',
    description: 'Listed once the projector has seen them (normally within a second). A request that changed nothing, or an unknown id, is 404 REQUEST_NOT_FOUND.',
  })
  @ApiParam({ name: 'requestId', description: 'X-Request-Id of the request: at most 128 characters of [A-Za-z0-9._:-]' })
  @ApiOkResponse({ description: '{ requestId, orderIds, events: [{ streamId, revision, position, type, orderId, occurredAt }] }' })
  @ApiErrorResponses(400, 401, 403, 404)
  async trail(@Param('requestId') requestId: string): Promise<RequestTrail> {
    if (!isSaneRequestId(requestId)) throw badRequest('INVALID_REQUEST_ID', 'a request id is 1 to 128 characters of A-Z, a-z, 0-9 and . _ : -');
    const events = await this.requests.eventsOf(requestId);
    if (events.length === 0) throw notFound('REQUEST_NOT_FOUND', `no events were appended by request ${requestId} (or they are not projected yet)`);
    const orderIds = [...new Set(events.map((event) => event.orderId).filter((id): id is string => id !== null))];
    return { requestId, orderIds, events };
  }
}
