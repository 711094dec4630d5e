import { execFileSync } from 'node:child_process';
import { DataSource } from 'typeorm';
import { openLoop } from '../bench/isolation/open-loop';
import { createPartnerKey } from './support/partner-keys';
import { startTestApp, type TestApp } from './support/test-app';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Whether a Redis answers at REDIS_URL (checked once, before the tests are declared). npm cannot bring one. */
const redisReachable = (() => {
  const { hostname, port } = new URL(REDIS_URL);
  const probe = `const s=require('net').connect(${Number(port) || 6379},${JSON.stringify(hostname)});s.setTimeout(1000);s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(1));`;
  try {
    execFileSync(process.execPath, ['-e', probe], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
})();
const describeWithRedis = redisReachable ? describe : describe.skip;
if (!redisReachable) console.warn(`partner-rate-limit.e2e: shared-limit tests SKIPPED, no Redis at ${REDIS_URL} (set TEST_REDIS_URL; .ci/run starts one)`);

const MISSING_ORDER = '/api/partner/v1/orders/00000000-0000-4000-8000-000000000000';

describe('partner rate limits', () => {
  describe('noisy neighbour (in-process limits)', () => {
    let app: TestApp;
    beforeAll(async () => {
      // Every partner here shares 127.0.0.1: the per-IP caps (meant for distinct clients) would count them as one.
      app = await startTestApp({ PRICING_WORKER_ENABLED: 'false', HTTP_MAX_IN_FLIGHT_PER_IP: '0', HTTP_MAX_CONNECTIONS_PER_IP: '0' });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('keeps a quiet key answered while a noisy key sends far above its limit', async () => {
      const noisy = await createPartnerKey(app, 'noisy', { rps: 20 });
      const quiet = await createPartnerKey(app, 'quiet', { rps: 20 });
      const created = await app.request('/api/partner/v1/orders', { method: 'POST', headers: { 'x-api-key': quiet.key }, json: { material: 'GOLD_750' } });
      const quietOrder = ((await created.json()) as { id: string }).id;
      const [noisyResult, quietResult] = await Promise.all([
        openLoop({ rps: 250, durationMs: 3_000, send: () => app.request(MISSING_ORDER, { headers: { 'x-api-key': noisy.key } }) }),
        openLoop({ rps: 10, durationMs: 3_000, send: () => app.request(`/api/partner/v1/orders/${quietOrder}`, { headers: { 'x-api-key': quiet.key } }) }),
      ]);
      expect(quietResult.errors).toBe(0);
      expect(Object.fromEntries(quietResult.statuses)).toEqual({ 200: 30 });
      const limited = noisyResult.statuses.get(429) ?? 0;
      // 3 s at 20 RPS plus a burst of 20: at most ~80 of 750 get through.
      expect(noisyResult.statuses.get(404) ?? 0).toBeLessThanOrEqual(100);
      expect(limited).toBeGreaterThanOrEqual(650);
      expect(noisyResult.statuses.get(500) ?? 0).toBe(0);
    });

    it('takes the client IP from X-Forwarded-For only when TRUST_PROXY says so', async () => {
      const behindProxy = await startTestApp({ RATE_LIMIT_ANONYMOUS_RPS: '2', RATE_LIMIT_ANONYMOUS_BURST: '0', TRUST_PROXY: '127.0.0.1' });
      try {
        const from = (ip: string) => behindProxy.request('/api/shop/catalog', { headers: { 'x-forwarded-for': ip } });
        const first = await Promise.all([from('203.0.113.7'), from('203.0.113.7'), from('203.0.113.7')]);
        expect(first.map((response) => response.status).sort()).toEqual([200, 200, 429]);
        // Another client behind the same proxy has its own budget.
        expect((await from('198.51.100.23')).status).toBe(200);
      } finally {
        await behindProxy.close();
      }
    });

    it('limits anonymous endpoints per client IP, not health probes', async () => {
      const limited = await startTestApp({ RATE_LIMIT_ANONYMOUS_RPS: '3', RATE_LIMIT_ANONYMOUS_BURST: '0' });
      try {
        const catalog = await Promise.all(Array.from({ length: 8 }, () => limited.request('/api/shop/catalog')));
        const statuses = catalog.map((response) => response.status);
        expect(statuses.filter((status) => status === 200).length).toBe(3);
        const refused = catalog.find((response) => response.status === 429);
        expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(await refused?.json()).toMatchObject({ code: 'RATE_LIMITED', requestId: refused?.headers.get('x-request-id') });
        const probes = await Promise.all(Array.from({ length: 8 }, () => limited.request('/health/live')));
        expect(probes.every((response) => response.status === 200)).toBe(true);
      } finally {
        await limited.close();
      }
    });
  });

  describeWithRedis(`two instances sharing Redis${redisReachable ? '' : ' (skipped: no Redis)'}`, () => {
    let first: TestApp;
    let second: TestApp;
    beforeAll(async () => {
      first = await startTestApp({ REDIS_URL, PRICING_WORKER_ENABLED: 'false' });
      second = await startTestApp({ REDIS_URL, PRICING_WORKER_ENABLED: 'false' });
    });
    afterAll(async () => {
      await Promise.all([first?.close(), second?.close()]);
    });

    it('draws one key from one budget whichever replica answers', async () => {
      // One sustained point per second plus 6 for spikes: 7 requests in the first second, shared or not.
      const key = await createPartnerKey(first, 'shared-partner', { rps: 1, burst: 6 });
      // The replicas share the key's row as they would share a database; copy it into the second one's.
      const [row] = await first.app.get(DataSource).query<[Record<string, unknown>]>('SELECT * FROM partner_api_keys WHERE id = $1', [key.id]);
      await second.app
        .get(DataSource)
        .query('INSERT INTO partner_api_keys (id, partner_id, name, prefix, key_hash, rps, burst) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          row.id,
          row.partner_id,
          row.name,
          row.prefix,
          row.key_hash,
          row.rps,
          row.burst,
        ]);
      const responses = await Promise.all(
        Array.from({ length: 14 }, (_, index) => (index % 2 === 0 ? first : second).request(MISSING_ORDER, { headers: { 'x-api-key': key.key } })),
      );
      const answered = responses.filter((response) => response.status === 404).length;
      // Separate budgets would let 7 through on each replica (14); one shared budget lets 7 (8 if a second turns over).
      expect(answered).toBeGreaterThanOrEqual(7);
      expect(answered).toBeLessThanOrEqual(8);
      expect(responses.filter((response) => response.status === 429).length).toBe(14 - answered);
      // Refused before Nest sees the request, and still with the request's id on the answer and in the body.
      const refusedKey = responses.find((response) => response.status === 429)!;
      expect(await refusedKey.json()).toMatchObject({ code: 'RATE_LIMITED', requestId: refusedKey.headers.get('x-request-id') });
      const ready = await first.request('/health/ready');
      expect(await ready.text()).toContain('rate-limit-redis');
    });
  });
});
