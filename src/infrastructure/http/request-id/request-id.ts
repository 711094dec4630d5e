import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The header a caller may send and every answer carries. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept only when it is a sane token: nothing a log line, a header or a page could be tricked by. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

/**
 * Fastify's `genReqId`: the caller's X-Request-Id when it is sane, else a
 * new UUID (a malformed one is replaced, never echoed). Fastify stores it as
 * `request.id`, and the logging middleware sees it as `req.id`, so the
 * answer, the log lines and the events of one request share one id.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return isSaneRequestId(given) ? given : randomUUID();
}

/**
 * Puts `X-Request-Id` on every answer, including those sent by the hooks
 * that refuse a request before Nest sees it (load shedding, rate limits).
 * Must be the first onRequest hook.
 */
export function installRequestIdHeader(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
