import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/test-app';
import { until } from '../support/until';

/**
 * A request that stays in progress: its headers arrive, its body never
 * finishes. Signed in when a token is given; from another loopback address
 * (another client IP) when `from` is given.
 */
function halfSentRequest(baseUrl: string, options: { token?: string; from?: string } = {}): Socket {
  const url = new URL(baseUrl);
  const socket = connect({ port: Number(url.port), host: url.hostname, ...(options.from ? { localAddress: options.from } : {}) });
  socket.on('error', () => undefined);
  // Read what the server sends (a refusal), so its closing of the connection is seen here.
  socket.resume();
  const auth = options.token ? `authorization: Bearer ${options.token}\r\n` : '';
  socket.write(`POST /api/shop/orders HTTP/1.1\r\nHost: ${url.host}\r\n${auth}content-type: application/json\r\ncontent-length: 100\r\n\r\n{"mat`);
  return socket;
}

/** Requests in progress on the replica, as its readiness details report them. */
async function inFlight(app: TestApp): Promise<number> {
  const body = (await (await app.request('/health/ready')).json()) as { details?: Record<string, { inFlight?: number }> };
  return body.details?.['http-admission']?.inFlight ?? -1;
}

const closed = (socket: Socket): Promise<void> => (socket.closed || socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve())));

/**
 * Overload: a replica refuses what it cannot take at once (503 OVERLOADED)
 * instead of queueing everyone, slow or anonymous clients cannot take it
 * away from signed-in users, and a statement stuck in PostgreSQL is
 * cancelled by statement_timeout (503 DATABASE_TIMEOUT) instead of hanging.
 */
describe('overload', () => {
  describe('load shedding', () => {
    let app: TestApp;
    let operator: string;
    let customer: string;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      app = await startTestApp({ HTTP_MAX_IN_FLIGHT: '2', HTTP_SATURATED_UNREADY_MS: '600' });
      [operator, customer] = await Promise.all([app.token('operator', 'op-1'), app.token('customer', 'cust-slow')]);
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await app?.close();
    });

    /** A signed-in request that stays in progress. */
    const slowRequest = (): Socket => {
      const socket = halfSentRequest(app.baseUrl, { token: customer });
      sockets.push(socket);
      return socket;
    };
    const dashboard = () => app.request(`/api/mes/orders?q=${randomUUID().slice(0, 8)}`, { token: operator });

    it('answers 503 OVERLOADED beyond HTTP_MAX_IN_FLIGHT, keeps probes answering, and admits again when work finishes', async () => {
      expect((await dashboard()).status).toBe(200);
      const first = slowRequest();
      slowRequest();
      await until(async () => ((await inFlight(app)) === 2 ? true : undefined), 'both slow requests in progress');
      const refused = await until(async () => {
        const response = await dashboard();
        return response.status === 503 ? response : undefined;
      });
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await refused.json()).toMatchObject({ code: 'OVERLOADED', details: { retryAfterSeconds: 1 }, requestId: refused.headers.get('x-request-id') });
      expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      // Opening an event stream is work too: refused as well.
      expect((await app.request('/api/mes/orders/stream', { token: operator })).status).toBe(503);

      expect((await app.request('/health/live')).status).toBe(200);
      const metrics = await (await app.metrics()).text();
      expect(metrics).toMatch(/^alexandrite_http_requests_in_flight 2$/m);
      expect(Number(/^alexandrite_http_requests_shed_total\{limit="total"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);

      // Every slot taken and nothing finishing: readiness says so, so a load balancer stops sending here.
      const unready = await until(async () => {
        const response = await app.request('/health/ready');
        return response.status === 503 ? response : undefined;
      }, 'readiness false while saturated');
      expect(await unready.text()).toContain('http-admission');

      // A client goes away: its slot is free again, and the replica ready again.
      first.destroy();
      await until(async () => ((await app.request('/health/ready')).status === 200 ? true : undefined), 'ready again');
      expect(await until(async () => ((await dashboard()).status === 200 ? true : undefined))).toBe(true);
    });

    it('does not count an open event stream as work in progress', async () => {
      for (const socket of sockets.splice(0)) socket.destroy();
      await until(async () => ((await dashboard()).status === 200 ? true : undefined));
      const controller = new AbortController();
      const stream = await app.request('/api/mes/orders/stream', { token: operator, signal: controller.signal });
      expect(stream.status).toBe(200);
      slowRequest();
      // One slow request and one open stream: a second request still fits.
      const answers = await Promise.all([dashboard(), dashboard()].map((pending) => pending.then((response) => response.status)));
      expect(answers).toContain(200);
      controller.abort();
    });
  });

  describe('slow and anonymous clients', () => {
    let app: TestApp;
    let customer: string;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      // The defaults (256 in flight, 64 anonymous, 64 per IP, 128 connections per IP), a short idle timeout.
      app = await startTestApp({ HTTP_IDLE_TIMEOUT_MS: '1500' });
      customer = await app.token('customer', 'cust-1');
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await app?.close();
    });

    const listMyOrders = () => app.request('/api/shop/orders', { token: customer });

    it('keeps answering signed-in users while 260 half-sent anonymous requests from one address and 270 from nine others hang', async () => {
      for (let index = 0; index < 260; index++) sockets.push(halfSentRequest(app.baseUrl, { from: '127.0.0.2' }));
      for (let index = 0; index < 270; index++) sockets.push(halfSentRequest(app.baseUrl, { from: `127.0.1.${1 + (index % 9)}` }));
      // The anonymous share (64 of 256) fills up; the rest of the attackers are refused.
      await until(async () => ((await inFlight(app)) === 64 ? true : undefined), 'the anonymous share taken');
      // An anonymous newcomer is told the anonymous share is full...
      const anonymous = await app.request('/api/shop/catalog');
      expect(anonymous.status).toBe(503);
      expect(await anonymous.json()).toMatchObject({ code: 'OVERLOADED', details: { limit: 'anonymous' } });
      // ... while signed-in users keep being answered, and the replica stays ready.
      const answers = await Promise.all(Array.from({ length: 10 }, () => listMyOrders().then((response) => response.status)));
      expect(answers).toEqual(Array.from({ length: 10 }, () => 200));
      expect((await app.request('/health/ready')).status).toBe(200);
      const metrics = await (await app.metrics()).text();
      expect(Number(/^alexandrite_http_requests_shed_total\{limit="anonymous"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    });

    it('refuses connections beyond HTTP_MAX_CONNECTIONS_PER_IP from one address', async () => {
      const idle = Array.from({ length: 150 }, () => {
        const url = new URL(app.baseUrl);
        const socket = connect({ port: Number(url.port), host: url.hostname, localAddress: '127.0.0.3' });
        socket.on('error', () => undefined);
        socket.resume();
        sockets.push(socket);
        return socket;
      });
      await until(async () => (idle.filter((socket) => socket.destroyed).length === 22 ? true : undefined), '22 of 150 connections refused');
      expect((await listMyOrders()).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const metrics = await (await app.metrics()).text();
      expect(Number(/^alexandrite_http_connections_refused_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(22);
    });

    it('closes stalled requests after the idle timeout, freeing their slots', async () => {
      const started = Date.now();
      await until(
        async () => {
          const open = sockets.filter((socket) => !socket.destroyed);
          return open.length === 0 ? true : undefined;
        },
        'every stalled connection closed',
        8_000,
      );
      await Promise.all(sockets.map(closed));
      // Idle timeout 1.5 s; the server checks about once a second.
      expect(Date.now() - started).toBeLessThan(6_000);
      sockets.splice(0);
    });

    it('answers a client over its own in-flight limit with 429 TOO_MANY_IN_FLIGHT', async () => {
      const own = await startTestApp({ HTTP_MAX_IN_FLIGHT_PER_IP: '2' });
      const token = await own.token('customer', 'cust-greedy');
      const mine = [halfSentRequest(own.baseUrl, { token }), halfSentRequest(own.baseUrl, { token })];
      try {
        await until(async () => ((await inFlight(own)) === 2 ? true : undefined), 'both slow requests in progress');
        const refused = await until(async () => {
          const response = await own.request('/api/shop/orders', { token });
          return response.status === 429 ? response : undefined;
        }, 'the third request of one client refused');
        expect(await refused.json()).toMatchObject({ code: 'TOO_MANY_IN_FLIGHT', details: { limit: 'per_ip' } });
        expect(refused.headers.get('retry-after')).toBe('1');
      } finally {
        for (const socket of mine) socket.destroy();
        await own.close();
      }
    });
  });

  describe('statement timeout', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp({ DB_STATEMENT_TIMEOUT_MS: '300' });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('cancels a statement stuck behind a lock: 503 DATABASE_TIMEOUT in well under a second, 200 once the lock is gone', async () => {
      const operator = await app.token('operator', 'op-1');
      const locker = new Client({ connectionString: app.database.url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE orders_current IN ACCESS EXCLUSIVE MODE');
        const started = performance.now();
        const stuck = await app.request(`/api/mes/orders?q=${randomUUID().slice(0, 8)}`, { token: operator });
        const elapsedMs = performance.now() - started;
        expect(stuck.status).toBe(503);
        expect(stuck.headers.get('retry-after')).toBe('2');
        expect(await stuck.json()).toMatchObject({ code: 'DATABASE_TIMEOUT' });
        expect(elapsedMs).toBeLessThan(3_000);
        await locker.query('ROLLBACK');
        expect((await app.request(`/api/mes/orders?q=${randomUUID().slice(0, 8)}`, { token: operator })).status).toBe(200);
      } finally {
        await locker.end();
      }
    });
  });
});
