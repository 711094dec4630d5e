import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/test-app';
import { until } from '../support/until';

/**
 * Overload: a replica refuses what it cannot take at once (503 OVERLOADED)
 * instead of queueing everyone, and a statement stuck in PostgreSQL is
 * cancelled by statement_timeout (503 DATABASE_TIMEOUT) instead of hanging.
 */
describe('overload', () => {
  describe('load shedding', () => {
    let app: TestApp;
    let operator: string;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      app = await startTestApp({ HTTP_MAX_IN_FLIGHT: '2' });
      operator = await app.token('operator', 'op-1');
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await app?.close();
    });

    /** A request that stays in progress: its headers arrive, its body never finishes. */
    const slowRequest = (): Socket => {
      const url = new URL(app.baseUrl);
      const socket = connect(Number(url.port), url.hostname);
      socket.on('error', () => undefined);
      socket.write(`POST /api/shop/orders HTTP/1.1\r\nHost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"mat`);
      sockets.push(socket);
      return socket;
    };
    const dashboard = () => app.request(`/api/mes/orders?q=${randomUUID().slice(0, 8)}`, { token: operator });

    it('answers 503 OVERLOADED beyond HTTP_MAX_IN_FLIGHT, keeps probes answering, and admits again when work finishes', async () => {
      expect((await dashboard()).status).toBe(200);
      const first = slowRequest();
      slowRequest();
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
      expect(Number(/^alexandrite_http_requests_shed_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);

      // A client goes away: its slot is free again.
      first.destroy();
      expect((await until(async () => ((await dashboard()).status === 200 ? true : undefined)))).toBe(true);
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
