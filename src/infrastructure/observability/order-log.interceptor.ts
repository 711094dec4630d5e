import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { Observable } from 'rxjs';

const ORDER_ROUTE = /\/orders\/:id(\/|$)/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ORDER_ID = Symbol('alexandrite.orderId');

type WithOrderId = IncomingMessage & { [ORDER_ID]?: string };

/** The order a request is about, once the interceptor has seen its route (for the response log line). */
export function orderIdOfRequest(request: IncomingMessage): string | undefined {
  return (request as WithOrderId)[ORDER_ID];
}

/**
 * On an order's routes (`/api/.../orders/:id...`), binds `order_id` to the
 * request's logger: every later line of the request, and the closing
 * "request completed" line (see LoggingModule's customProps), carry it.
 * Only well-formed ids: the value is from the URL.
 */
@Injectable()
export class OrderLogInterceptor implements NestInterceptor {
  constructor(private readonly logger: PinoLogger) {}

  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (executionContext.getType() === 'http') {
      const request = executionContext.switchToHttp().getRequest<FastifyRequest<{ Params: { id?: string } }>>();
      const id = request.params?.id;
      if (id && UUID.test(id) && ORDER_ROUTE.test(request.routeOptions.url ?? '')) {
        const orderId = id.toLowerCase();
        // Later lines of the request through its logger; the closing line through pino-http's customProps.
        this.logger.assign({ order_id: orderId });
        (request.raw as WithOrderId)[ORDER_ID] = orderId;
      }
    }
    return next.handle();
  }
}
