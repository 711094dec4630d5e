import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { PinoLogger } from 'nestjs-pino';

const ORDER_ROUTE = /\/orders\/:id(\/|$)/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ORDER_ID = Symbol('alexandrite.orderId');

type WithOrderId = IncomingMessage & { [ORDER_ID]?: string };

/** The order a request is about, once its route is known (for the response log line). */
export function orderIdOfRequest(request: IncomingMessage): string | undefined {
  return (request as WithOrderId)[ORDER_ID];
}

/**
 * On an order's routes (`/api/.../orders/:id...`), binds `order_id` to the
 * request's logger: every later line of the request, and the closing
 * "request completed" line (see LoggingModule's customProps), carry it.
 * Only well-formed ids: the value is from the URL.
 *
 * A Fastify hook rather than a Nest interceptor: one global interceptor makes
 * Nest build an rxjs chain for every request of every route. It runs before
 * Nest's guards, so a refused request's lines name the order too (a UUID
 * from its URL, nothing more).
 */
export function installOrderLogContext(fastify: FastifyInstance, logger: PinoLogger): void {
  fastify.addHook('preHandler', (request, _reply, done) => {
    const id = (request.params as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && UUID.test(id) && ORDER_ROUTE.test(request.routeOptions.url ?? '')) {
      const orderId = id.toLowerCase();
      (request.raw as WithOrderId)[ORDER_ID] = orderId;
      // Later lines of the request through its logger (nestjs-pino's request scope, opened for every route).
      logger.assign({ order_id: orderId });
    }
    done();
  });
}
