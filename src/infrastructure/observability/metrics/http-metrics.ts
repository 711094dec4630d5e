import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { counter, histogram, LATENCY_BUCKETS } from './registry';

/** RED per route: rate and errors from the counter, duration from the histogram. */
export const httpRequests = counter('http_requests_total', 'HTTP requests answered, by route template and status class', ['module', 'method', 'route', 'status_class']);
export const httpRequestDuration = histogram(
  'http_request_duration_seconds',
  'Time from request received to response sent, by route template and status class',
  ['module', 'method', 'route', 'status_class'],
  LATENCY_BUCKETS,
);

/** Not answered, so not in http_requests_total: the client hung up before its request was complete (a 499 to proxies). */
export const httpClientClosedRequests = counter(
  'alexandrite_http_client_closed_requests_total',
  'Requests whose client closed the connection before the request was complete (no answer sent), by route template',
  ['module', 'method', 'route'],
);

/** Requests that matched no route share one label value, so a scan of random URLs cannot explode the series count. */
export const UNMATCHED_ROUTE = 'unmatched';

/** `/api/shop/orders/:id` -> `shop`; the business module a route belongs to, for the per-module dashboards. */
export function moduleOfRoute(route: string): string {
  const api = /^\/api\/([a-z]+)(?:\/|$)/.exec(route);
  if (api) return api[1] as string;
  const top = /^\/([a-z]+)(?:\/|$)/.exec(route);
  return top ? (top[1] as string) : 'other';
}

export function statusClass(statusCode: number): string {
  return `${Math.floor(statusCode / 100)}xx`;
}

/**
 * Fastify's onResponse hook sees every answer, including the 401s of the
 * auth guard, 404s of unknown URLs and errors Nest turned into responses.
 * The route label is Fastify's route template (`/api/shop/orders/:id`),
 * never the raw URL, so ids do not become label values. A request whose
 * client hangs up first is counted apart (onRequestAbort).
 */
export function installHttpMetrics(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const labels = { module: moduleOfRoute(route), method: request.method, route, status_class: statusClass(reply.statusCode) };
    httpRequests.inc(labels);
    httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  fastify.addHook('onRequestAbort', (request: FastifyRequest, done: () => void) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    httpClientClosedRequests.inc({ module: moduleOfRoute(route), method: request.method, route });
    done();
  });
}
