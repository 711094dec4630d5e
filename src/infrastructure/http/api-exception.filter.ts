import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { withRequestId } from './api-error';
import { CLIENT_CLOSED_REQUEST_STATUS } from './client-abort';
import { toApiError } from './error-mapping';

/** Every error leaves the app as `{ code, message, details?, requestId }`; never a stack trace. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const reply = context.getResponse<FastifyReply>();
    const request = context.getRequest<FastifyRequest>();
    sendApiError(reply, exception, request, this.logger);
  }
}

export function sendApiError(reply: FastifyReply, exception: unknown, request: FastifyRequest | undefined, logger: Logger): void {
  const error = toApiError(exception);
  if (error.status === CLIENT_CLOSED_REQUEST_STATUS) {
    // Nobody is left to answer; the access log line says "request aborted" too.
    logger.debug({ code: error.code, method: request?.method, url: request?.url, requestId: request?.id }, 'client closed the connection before its request was complete');
    return;
  }
  if (error.status >= 500) {
    logger.error({ err: exception, method: request?.method, url: request?.url, requestId: request?.id }, 'request failed');
  }
  if (reply.sent) return;
  if (error.headers) void reply.headers(error.headers);
  void reply.status(error.status).header('content-type', 'application/json; charset=utf-8').send(withRequestId(error.toBody(), request?.id));
}
