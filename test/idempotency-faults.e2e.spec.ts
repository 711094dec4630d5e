import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { CLEANUP_LOCK } from '../src/infrastructure/http/idempotency/idempotency.repository';
import { createPartnerKey } from './support/partner-keys';
import { until } from './support/until';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Idempotency-Key under the faults a client's retry meets: a statement
 * timeout while the answer is stored (the effect committed, the answer did
 * not), an answer that asks for a retry (409 concurrent change), and keys
 * outliving their retention, and a streamed body (a partner quote's model)
 * that must be part of the request's fingerprint.
 */
describe('Idempotency-Key under faults', () => {
  let app: TestApp;
  let sql: Client;
  let customer: string;

  beforeAll(async () => {
    app = await startTestApp({
      PRICING_WORKER_ENABLED: 'false',
      // A concurrent change answers 409 at once instead of being re-decided.
      COMMAND_RETRIES: '0',
      DB_STATEMENT_TIMEOUT_MS: '2000',
      IDEMPOTENCY_CLEANUP_INTERVAL_S: '1',
    });
    sql = new Client({ connectionString: app.database.url });
    await sql.connect();
    customer = await app.token('customer', 'customer-faults');
  });
  afterAll(async () => {
    await sql?.end();
    await app?.close();
  });

  const post = async (path: string, key: string, json?: unknown) => {
    const response = await app.request(path, {
      method: 'POST',
      token: customer,
      ...(json === undefined ? {} : { json }),
      headers: { 'idempotency-key': key, 'x-correlation-id': key },
    });
    return {
      status: response.status,
      body: (await response.json()) as { id?: string; code?: string; status?: string },
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  };
  const keyRow = async (key: string) => (await sql.query<{ status_code: number | null }>('SELECT status_code FROM http_idempotency_keys WHERE key = $1', [key])).rows[0];
  const ordersOfKey = async (key: string): Promise<string[]> =>
    (await sql.query<{ stream_id: string }>(`SELECT stream_id FROM event_store.events WHERE event_type = 'OrderInitiated' AND metadata->>'correlationId' = $1`, [key])).rows.map(
      (row) => row.stream_id,
    );

  /** Fault injection: storing the answer of `key` takes longer than the statement timeout while `run` runs. */
  const slowResponses = async (key: string, run: () => Promise<void>) => {
    await sql.query(`CREATE OR REPLACE FUNCTION test_slow_response() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$`);
    await sql.query(
      `CREATE TRIGGER test_slow_response BEFORE UPDATE ON http_idempotency_keys FOR EACH ROW WHEN (NEW.key = '${key}' AND NEW.status_code IS NOT NULL) EXECUTE FUNCTION test_slow_response()`,
    );
    try {
      await run();
    } finally {
      await sql.query('DROP TRIGGER test_slow_response ON http_idempotency_keys');
    }
  };

  it('a statement timeout while the response is stored: the retry answers the same order, not a second one', async () => {
    const key = `timeout-${randomUUID()}`;
    await slowResponses(key, async () => {
      expect(await post('/api/shop/orders', key, { material: 'GOLD_585' })).toMatchObject({ status: 503, body: { code: 'DATABASE_TIMEOUT' } });
    });
    const [stream] = await ordersOfKey(key);
    expect(stream).toBeDefined();

    const retry = await post('/api/shop/orders', key, { material: 'GOLD_585' });
    expect(retry).toMatchObject({ status: 201, body: { id: stream!.slice('order-'.length), status: 'INITIATED', revision: 0 } });
    expect(await ordersOfKey(key)).toEqual([stream]);
    expect(await post('/api/shop/orders', key, { material: 'GOLD_585' })).toEqual({ ...retry, replayed: true });
  });

  it('a transition whose answer was lost: the retry answers as the first attempt would have, even after the order moved on', async () => {
    const created = await post('/api/shop/orders', `create-${randomUUID()}`, { material: 'GOLD_750' });
    const id = created.body.id!;
    const upload = await app.request(`/api/shop/orders/${id}/model`, { method: 'PUT', token: customer, body: boxStl(), headers: { 'content-type': 'model/stl' } });
    expect(upload.status).toBe(200);
    const key = `submit-${randomUUID()}`;
    await slowResponses(key, async () => {
      expect(await post(`/api/shop/orders/${id}/submit`, key)).toMatchObject({ status: 503, body: { code: 'DATABASE_TIMEOUT' } });
    });
    // Meanwhile the customer cancels (no key): a submit decided now would be refused.
    expect((await app.request(`/api/shop/orders/${id}/cancel`, { method: 'POST', token: customer })).status).toBe(200);

    const retry = await post(`/api/shop/orders/${id}/submit`, key);
    expect(retry).toMatchObject({ status: 202, replayed: false, body: { id, status: 'SUBMITTED', revision: 2 } });
    const types = (await sql.query<{ event_type: string }>('SELECT event_type FROM event_store.events WHERE stream_id = $1 ORDER BY stream_revision', [`order-${id}`])).rows.map(
      (row) => row.event_type,
    );
    expect(types).toEqual(['OrderInitiated', 'ModelUploaded', 'OrderSubmitted', 'OrderCancelled']);
  });

  it('a 409 CONCURRENT_MODIFICATION is not stored: the retry with the same key runs again', async () => {
    const created = await post('/api/shop/orders', `create-${randomUUID()}`, { material: 'GOLD_750' });
    const id = created.body.id!;
    const upload = await app.request(`/api/shop/orders/${id}/model`, { method: 'PUT', token: customer, body: boxStl(), headers: { 'content-type': 'model/stl' } });
    expect(upload.status).toBe(200);

    // Another writer gets in between the submit's read and its append: the test holds the stream's append
    // lock (as append_events takes it), lets the submit queue behind it, and appends a model replacement first.
    const key = `submit-${randomUUID()}`;
    const writer = new Client({ connectionString: app.database.url });
    await writer.connect();
    let submitted;
    try {
      await writer.query('BEGIN');
      await writer.query('SELECT pg_advisory_xact_lock(1163088210, hashtext($1))', [`order-${id}`]);
      const pending = post(`/api/shop/orders/${id}/submit`, key);
      await until(
        async () =>
          (await writer.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 1163088210 AND objsubid = 2 AND NOT granted`)).rowCount ? true : undefined,
        'the submit to wait for the stream lock',
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      await writer.query(
        `SELECT * FROM event_store.append_events($1, -1, ARRAY[$2::uuid],
           ARRAY(SELECT event_type FROM event_store.events WHERE stream_id = $1 AND stream_revision = 1),
           ARRAY(SELECT data FROM event_store.events WHERE stream_id = $1 AND stream_revision = 1),
           ARRAY(SELECT metadata FROM event_store.events WHERE stream_id = $1 AND stream_revision = 1))`,
        [`order-${id}`, randomUUID()],
      );
      await writer.query('COMMIT');
      submitted = await pending;
    } finally {
      await writer.end();
    }
    expect(submitted).toMatchObject({ status: 409, body: { code: 'CONCURRENT_MODIFICATION' } });
    // Not stored as the key's answer: the key is free for the retry.
    expect((await keyRow(key))?.status_code ?? null).toBeNull();

    const retry = await post(`/api/shop/orders/${id}/submit`, key);
    expect(retry).toMatchObject({ status: 202, replayed: false, body: { id, status: 'SUBMITTED', revision: 3 } });
    expect(await post(`/api/shop/orders/${id}/submit`, key)).toEqual({ ...retry, replayed: true });
  });

  describe('retention', () => {
    const age = (key: string) => sql.query(`UPDATE http_idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [key]);

    it('forgets keys older than IDEMPOTENCY_RETENTION_HOURS (24) on a schedule, and keeps younger ones', async () => {
      const old = `old-${randomUUID()}`;
      const young = `young-${randomUUID()}`;
      const first = await post('/api/shop/orders', old, { material: 'SILVER_925' });
      expect((await post('/api/shop/orders', young, { material: 'SILVER_925' })).status).toBe(201);
      await age(old);
      await until(async () => ((await keyRow(old)) === undefined ? true : undefined), 'the aged key to be deleted', { timeoutMs: 10_000, intervalMs: 100 });
      expect(await keyRow(young)).toMatchObject({ status_code: 201 });

      // Forgotten: the key is free for another request (not 422), which runs as a new one.
      const other = await post('/api/shop/orders', old, { material: 'GOLD_585' });
      expect(other).toMatchObject({ status: 201, replayed: false });
      expect(other.body.id).not.toBe(first.body.id);
      expect((await ordersOfKey(old)).length).toBe(2);
    });

    it('cleans up on one replica at a time: not while another holds the cleanup lock', async () => {
      const key = `locked-${randomUUID()}`;
      expect((await post('/api/shop/orders', key, { material: 'SILVER_925' })).status).toBe(201);
      const other = new Client({ connectionString: app.database.url });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1, $2)', [CLEANUP_LOCK.classId, CLEANUP_LOCK.key]);
        await age(key);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        expect(await keyRow(key)).toBeDefined();
      } finally {
        await other.end();
      }
      await until(async () => ((await keyRow(key)) === undefined ? true : undefined), 'the aged key to be deleted', { timeoutMs: 10_000, intervalMs: 100 });
    });
  });

  describe('a streamed body (partner quote)', () => {
    let apiKey: string;
    beforeAll(async () => {
      apiKey = (await createPartnerKey(app, 'idempotent-quotes', { rps: 1000 })).key;
    });

    const quote = async (key: string, model: Buffer) => {
      const response = await app.request('/api/partner/v1/quotes?material=GOLD_750', {
        method: 'POST',
        body: model,
        headers: { 'x-api-key': apiKey, 'content-type': 'application/octet-stream', 'idempotency-key': key },
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown>, replayed: response.headers.get('idempotent-replayed') === 'true' };
    };

    it("the same key with another model is 422, not the first model's price", async () => {
      const key = `quote-${randomUUID()}`;
      const small = await quote(key, boxStl(10, 10, 4));
      expect(small).toMatchObject({ status: 200, body: { status: 'done', breakdown: { volumeMm3: 400 } } });

      const bigger = await quote(key, boxStl(20, 10, 4));
      expect(bigger).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });

      expect(await quote(key, boxStl(10, 10, 4))).toEqual({ ...small, replayed: true });
      // A fresh key prices the other model.
      expect(await quote(`quote-${randomUUID()}`, boxStl(20, 10, 4))).toMatchObject({ status: 200, body: { breakdown: { volumeMm3: 800 } } });
    });
  });
});
