import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { counter, gauge } from '../observability/metrics/registry';
import { EARLY_REFUSAL_HEADERS } from './early-refusal';

/** Probes are never shed: they must keep telling the truth about a busy replica. (Scrapes have their own listener.) */
const NEVER_SHED = /^\/health\//;
/**
 * Server-sent event streams stay open for hours at almost no cost: opening
 * one is shed like any request, but an open one does not count as work in
 * progress (every operator's tablet holds one).
 */
const EVENT_STREAM = /\/stream(\?|$)/;
const RETRY_AFTER_SECONDS = 1;

const requestsInFlight = gauge('alexandrite_http_requests_in_flight', 'HTTP requests received and not yet answered (probes and scrapes excluded)', []);
const requestsShed = counter('alexandrite_http_requests_shed_total', 'Requests refused with 503 OVERLOADED because the replica had its maximum in progress', []);

/**
 * Load shedding: at most `maxInFlight` requests in progress per replica;
 * beyond that a request is answered at once with 503 OVERLOADED and
 * Retry-After instead of joining a queue (for the database pool, the event
 * loop) in which every request, old and new, would wait until the clients
 * time out. Clients and load balancers retry elsewhere or a second later,
 * and what is admitted keeps its latency.
 *
 * Installed on the Fastify instance before Nest wraps it, so a shed request
 * costs no middleware, logging or guard. A request counts until its answer
 * is sent or its connection closes.
 */
export function installLoadShedding(fastify: FastifyInstance, maxInFlight: number): void {
  if (maxInFlight <= 0) return;
  let inFlight = 0;
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (NEVER_SHED.test(request.url)) return;
    if (inFlight >= maxInFlight) {
      requestsShed.inc();
      return reply
        .code(503)
        .headers({ ...EARLY_REFUSAL_HEADERS, 'retry-after': String(RETRY_AFTER_SECONDS) })
        .send({
          code: 'OVERLOADED',
          message: `this replica has ${maxInFlight} requests in progress, its limit; retry in ${RETRY_AFTER_SECONDS} s`,
          details: { retryAfterSeconds: RETRY_AFTER_SECONDS },
          requestId: request.id,
        });
    }
    if (EVENT_STREAM.test(request.url)) return;
    inFlight++;
    requestsInFlight.set(inFlight);
    reply.raw.once('close', () => {
      inFlight--;
      requestsInFlight.set(inFlight);
    });
  });
}
