import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

/** The error shape, for the OpenAPI document. */
export class ApiErrorDto {
  @ApiProperty({ example: 'ILLEGAL_TRANSITION' }) code!: string;
  @ApiProperty({ example: 'StartManufacturing is not allowed in status SUBMITTED; allowed: RecordPrice, CancelOrder' }) message!: string;
  @ApiPropertyOptional({ type: Object, example: { currentStatus: 'SUBMITTED', allowed: ['RecordPrice', 'CancelOrder'] } })
  details?: Record<string, unknown>;
  @ApiProperty({ example: '3f2b8c1e-6a7d-4e0f-9b1a-2c5d8e7f6a90', description: 'the id of the request (its X-Request-Id): quote it to support' })
  requestId!: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input (VALIDATION_FAILED, INVALID_ORDER_ID, INVALID_JSON, EMPTY_BODY, ...)',
  401: 'no or invalid credentials (UNAUTHENTICATED, INVALID_TOKEN, TOKEN_EXPIRED)',
  403: "the caller's role may not use this endpoint (FORBIDDEN_ROLE)",
  404: 'no such order, or not yours (ORDER_NOT_FOUND)',
  409: "the order's status does not allow this (ILLEGAL_TRANSITION with currentStatus and allowed), or a concurrent change",
  413: 'body larger than allowed (MODEL_TOO_LARGE, PAYLOAD_TOO_LARGE)',
  415: 'unsupported Content-Type',
  422: 'a well-formed request the order cannot take (unreadable model, unknown material, reused Idempotency-Key, ...)',
  429: 'rate limit exceeded (RATE_LIMITED; USER_RATE_LIMITED: your creates, uploads and submissions; TOO_MANY_STREAMS), with Retry-After',
  503: 'a dependency is unavailable; retry later',
};

export const ApiErrorResponses = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, type: ApiErrorDto, description: DESCRIPTIONS[status] ?? 'error' })));
