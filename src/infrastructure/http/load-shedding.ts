import type { Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config';
import { JwtService } from '../auth/jwt.service';
import { ReadinessRegistry } from '../health/readiness.registry';
import { counter, gauge } from '../observability/metrics/registry';
import { EARLY_REFUSAL_HEADERS } from './early-refusal';
import type { RequestWithApiKey } from './rate-limit/api-key-rate-limit.hook';

/** Probes are never shed: they must keep telling the truth about a busy replica. (Scrapes have their own listener.) */
const NEVER_SHED = /^\/health\//;
/**
 * Server-sent event streams stay open for hours at almost no cost: opening
 * one is shed like any request, but an open one does not count as work in
 * progress (every operator's tablet holds one).
 */
const EVENT_STREAM = /\/stream(\?|$)/;
/**
 * A long poll of one order (`GET .../orders/:id?changedAfter=&wait=N`, N > 0) waits up to 30 s at the cost of a
 * timer: it is not work in progress either, but their number has its own bound (`maxLongPolls`).
 */
const LONG_POLL = /^\/api\/(shop\/orders|partner\/v1\/orders)\/[^/?]+\?(?:[^#]*&)?wait=0*[1-9]/;
const RETRY_AFTER_SECONDS = 1;

type Limits = Pick<AppConfig['http'], 'maxInFlight' | 'maxInFlightAnonymous' | 'maxInFlightPerIp' | 'maxLongPolls' | 'maxConnectionsPerIp' | 'trustProxy' | 'saturatedUnreadyMs'>;
type Refusal = 'total' | 'anonymous' | 'per_ip' | 'long_polls';

const requestsInFlight = gauge('alexandrite_http_requests_in_flight', 'HTTP requests received and not yet answered (probes excluded)', []);
const longPollsWaiting = gauge('alexandrite_http_long_polls_open', 'Long polls (?changedAfter=&wait=) received and not yet answered', []);
const requestsShed = counter(
  'alexandrite_http_requests_shed_total',
  'Requests refused because the replica (total, anonymous share) or the client (per_ip) had its maximum in progress',
  ['limit'],
);
const connectionsRefused = counter('alexandrite_http_connections_refused_total', 'Connections closed at once because their peer address had HTTP_MAX_CONNECTIONS_PER_IP open', []);

/**
 * Admission control: bounded work in progress per replica, so what is
 * admitted keeps its latency and the rest is refused at once (503 + Retry-After:
 * clients and load balancers retry elsewhere or a second later) instead of
 * joining a queue in which every request waits until the clients time out.
 *
 * Three bounds, checked in the first request hook before any body is read:
 * - all requests: `maxInFlight`;
 * - requests without valid credentials (no API key the rate-limit gate
 *   accepted, no bearer token that verifies): `maxInFlightAnonymous`, so slow
 *   anonymous clients (half-sent bodies) cannot take the slots of signed-in
 *   users;
 * - requests of one client IP: `maxInFlightPerIp` (429).
 * Plus open connections per peer address, refused at accept.
 *
 * The timeouts that end stalled requests are the server's (app.factory.ts):
 * idle, headers and whole-request. A request counts until its answer is
 * sent or its connection closes.
 */
export class LoadShedding {
  private inFlight = 0;
  private anonymousInFlight = 0;
  private longPolls = 0;
  private readonly perIp = new Map<string, number>();
  private lastFinishedAt = Date.now();
  private verifyBearer: ((token: string) => Promise<unknown>) | undefined;

  private constructor(private readonly limits: Limits) {}

  static installOn(fastify: FastifyInstance, limits: Limits): LoadShedding {
    const shedding = new LoadShedding(limits);
    if (limits.maxConnectionsPerIp > 0 && limits.trustProxy === false) shedding.capConnections(fastify);
    if (limits.maxInFlight > 0 || limits.maxInFlightPerIp > 0 || limits.maxLongPolls > 0) {
      fastify.addHook('onRequest', (request: RequestWithApiKey, reply: FastifyReply) => shedding.admit(request, reply));
    }
    return shedding;
  }

  /** Bearer tokens are verified with the app's JwtService (cached), and readiness reports a saturated replica. */
  bindTo(app: NestFastifyApplication): void {
    const jwt = app.get(JwtService, { strict: false });
    this.verifyBearer = (token) => jwt.verify(token);
    app.get(ReadinessRegistry, { strict: false }).register({ name: 'http-admission', check: async () => this.readiness() });
  }

  private async admit(request: RequestWithApiKey, reply: FastifyReply): Promise<unknown> {
    if (NEVER_SHED.test(request.url)) return;
    if (request.method === 'GET' && LONG_POLL.test(request.url)) return this.admitLongPoll(request, reply);
    const anonymous = !(await this.hasValidCredentials(request));
    const ip = request.ip;
    const refusal = this.refusal(anonymous, ip);
    if (refusal) return this.refuse(request, reply, refusal);
    if (EVENT_STREAM.test(request.url)) return;
    this.inFlight++;
    if (anonymous) this.anonymousInFlight++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    requestsInFlight.set(this.inFlight);
    // Released when the answer is handed over ('finish') or the connection goes first ('close'), once.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight--;
      if (anonymous) this.anonymousInFlight--;
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
      this.lastFinishedAt = Date.now();
      requestsInFlight.set(this.inFlight);
    };
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
  }

  private admitLongPoll(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    if (this.limits.maxLongPolls > 0 && this.longPolls >= this.limits.maxLongPolls) return this.refuse(request, reply, 'long_polls');
    this.longPolls++;
    longPollsWaiting.set(this.longPolls);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.longPolls--;
      longPollsWaiting.set(this.longPolls);
    };
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
    return undefined;
  }

  private refusal(anonymous: boolean, ip: string): Refusal | undefined {
    const { maxInFlight, maxInFlightAnonymous, maxInFlightPerIp } = this.limits;
    if (maxInFlight > 0 && this.inFlight >= maxInFlight) return 'total';
    if (maxInFlight > 0 && anonymous && this.anonymousInFlight >= maxInFlightAnonymous) return 'anonymous';
    if (maxInFlightPerIp > 0 && (this.perIp.get(ip) ?? 0) >= maxInFlightPerIp) return 'per_ip';
    return undefined;
  }

  private refuse(request: FastifyRequest, reply: FastifyReply, refusal: Refusal): FastifyReply {
    requestsShed.inc({ limit: refusal });
    const perIp = refusal === 'per_ip';
    const message = perIp
      ? `you have ${this.limits.maxInFlightPerIp} requests in progress on this replica, its limit per client; retry when one has finished`
      : refusal === 'long_polls'
        ? `this replica has ${this.limits.maxLongPolls} long polls waiting, its limit; retry in ${RETRY_AFTER_SECONDS} s or poll without wait`
        : refusal === 'anonymous'
          ? `this replica has ${this.limits.maxInFlightAnonymous} requests without credentials in progress, its limit for them; retry in ${RETRY_AFTER_SECONDS} s`
          : `this replica has ${this.limits.maxInFlight} requests in progress, its limit; retry in ${RETRY_AFTER_SECONDS} s`;
    return (
      reply
        .code(perIp ? 429 : 503)
        // Close the connection: its body, if any, is never read, and a refused client should not hold a socket.
        .headers({ ...EARLY_REFUSAL_HEADERS, 'retry-after': String(RETRY_AFTER_SECONDS), connection: 'close' })
        .send({ code: perIp ? 'TOO_MANY_IN_FLIGHT' : 'OVERLOADED', message, details: { retryAfterSeconds: RETRY_AFTER_SECONDS, limit: refusal }, requestId: request.id })
    );
  }

  /** An API key the rate-limit gate accepted, or a bearer token that verifies (the guard checks roles later). */
  private async hasValidCredentials(request: RequestWithApiKey): Promise<boolean> {
    if (request.apiKeyCredential) return true;
    const header = request.headers.authorization;
    if (!header || !this.verifyBearer) return false;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) return false;
    return this.verifyBearer(match[1]).then(
      () => true,
      () => false,
    );
  }

  /** Not ready while every slot has been taken for saturatedUnreadyMs and nothing finished meanwhile: the replica refuses everyone. */
  private readiness(): Record<string, unknown> {
    const { maxInFlight, saturatedUnreadyMs } = this.limits;
    const details = { inFlight: this.inFlight, maxInFlight, anonymousInFlight: this.anonymousInFlight };
    const stalledMs = Date.now() - this.lastFinishedAt;
    if (maxInFlight > 0 && saturatedUnreadyMs > 0 && this.inFlight >= maxInFlight && stalledMs >= saturatedUnreadyMs) {
      throw new Error(`all ${maxInFlight} request slots taken and none finished for ${Math.round(stalledMs / 1000)} s: this replica refuses every request`);
    }
    return details;
  }

  private capConnections(fastify: FastifyInstance): void {
    const open = new Map<string, number>();
    fastify.server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? 'unknown';
      const count = (open.get(address) ?? 0) + 1;
      if (count > this.limits.maxConnectionsPerIp) {
        connectionsRefused.inc();
        socket.destroy();
        return;
      }
      open.set(address, count);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
    });
  }
}
