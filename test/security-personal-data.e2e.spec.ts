import { apiKeySecretPart } from './support/partner-keys';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { signCarrierPayload } from '../src/modules/crm/carrier/carrier-signature';
import { type AppProcess, startAppProcess } from './support/app-process';
import { boxStl } from './support/stl';
import { until } from './support/until';

const marker = (label: string) => `${label}${randomBytes(9).toString('hex')}`;

/**
 * A whole lifecycle (shop and partner) against the app as its own process,
 * with recognisable secrets and personal values in every place a client can
 * put them; then the process's complete log output and every row of every
 * table (events, read models, queues, idempotency records) are searched for them.
 */
describe('personal data and secrets stay out of logs and events', () => {
  const jwtSecret = marker('jwtsecret-0123456789abcdef-');
  const carrierSecret = marker('carriersecret');
  const email = `${marker('jane.doe.')}@example.com`;
  const fullName = `Janet ${marker('Quintessa')} Doe`;
  const phone = `+4930${randomBytes(4).readUInt32BE(0)}`;
  let app: AppProcess;
  const secrets: Record<string, string> = { jwtSecret, carrierSecret, email, fullName, phone };

  beforeAll(async () => {
    app = await startAppProcess({
      JWT_SECRET: jwtSecret,
      CARRIER_WEBHOOK_SECRET: carrierSecret,
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      PRICING_RETRY_DELAY_S: '0',
    });
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
  });

  /** A token as an identity provider issues it: an opaque sub, and personal claims beside it. */
  const token = (role: string, sub: string) =>
    new SignJWT({ roles: [role], email, name: fullName, phone_number: phone })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer('alexandrite')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(jwtSecret));

  const call = async (path: string, init: { method?: string; headers?: Record<string, string>; json?: unknown; body?: Buffer | string } = {}) => {
    const headers = { ...init.headers, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) };
    const response = await fetch(`${app.baseUrl}${path}`, { method: init.method ?? 'GET', headers, body: init.json === undefined ? init.body : JSON.stringify(init.json) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  async function waitForStatus(path: string, headers: Record<string, string>, status: string): Promise<void> {
    let last: unknown;
    await until(
      async () => {
        last = (await call(path, { headers })).body.status;
        return last === status;
      },
      `${path} to be ${status}`,
      { timeoutMs: 45_000, intervalMs: 200, diagnostics: () => `it stayed ${String(last)}` },
    );
  }

  it('runs a shop and a partner lifecycle, then finds none of the secrets or personal values anywhere', async () => {
    const customerToken = await token('customer', 'c-5b1e');
    const [seller, operator, admin] = await Promise.all([token('seller', 's-77'), token('operator', 'o-12'), token('admin', 'a-1')]);
    secrets.customerToken = customerToken;
    secrets.operatorToken = operator;
    const bearer = (value: string) => ({ authorization: `Bearer ${value}`, 'x-request-id': marker('req') });

    // Shop order, all the way to the carrier's delivery confirmation.
    const created = await call('/api/shop/orders', { method: 'POST', headers: bearer(customerToken), json: { material: 'GOLD_750' } });
    expect(created.status).toBe(201);
    const orderId = created.body.id as string;
    expect((await call(`/api/shop/orders/${orderId}/model`, { method: 'PUT', headers: { ...bearer(customerToken), 'content-type': 'model/stl' }, body: boxStl() })).status).toBe(
      200,
    );
    expect((await call(`/api/shop/orders/${orderId}/submit`, { method: 'POST', headers: { ...bearer(customerToken), 'idempotency-key': marker('idem') } })).status).toBe(202);
    await waitForStatus(`/api/shop/orders/${orderId}`, bearer(customerToken), 'PRICE_CALCULATED');
    expect((await call(`/api/crm/orders/${orderId}/approve`, { method: 'POST', headers: bearer(seller) })).status).toBe(200);
    for (const step of ['start', 'complete', 'package']) {
      expect((await call(`/api/mes/orders/${orderId}/${step}`, { method: 'POST', headers: bearer(operator) })).status).toBe(200);
    }
    expect((await call(`/api/mes/orders/${orderId}/ship`, { method: 'POST', headers: bearer(operator), json: { trackingNumber: 'TRK-5521-AB' } })).status).toBe(200);
    const delivery = JSON.stringify({ orderId, trackingNumber: 'TRK-5521-AB', deliveredAt: new Date().toISOString() });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signCarrierPayload(carrierSecret, timestamp, delivery);
    secrets.carrierSignature = signature.slice('sha256='.length);
    const delivered = await call('/api/crm/carrier/delivered', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-carrier-timestamp': String(timestamp), 'x-carrier-signature': signature },
      body: delivery,
    });
    expect(delivered.status).toBe(200);

    // Partner order through an API key, to its confirmation.
    const key = await call('/api/admin/api-keys', { method: 'POST', headers: bearer(admin), json: { name: 'privacy-partner', rps: 100 } });
    expect(key.status).toBe(201);
    const apiKey = key.body.key as string;
    secrets.apiKey = apiKey;
    secrets.apiKeySecretPart = apiKeySecretPart(apiKey);
    const partnerHeaders = { 'x-api-key': apiKey };
    const partnerOrder = await call('/api/partner/v1/orders', { method: 'POST', headers: partnerHeaders, json: { material: 'SILVER_925' } });
    expect(partnerOrder.status).toBe(201);
    const partnerOrderId = partnerOrder.body.id as string;
    expect(
      (await call(`/api/partner/v1/orders/${partnerOrderId}/model`, { method: 'PUT', headers: { ...partnerHeaders, 'content-type': 'model/stl' }, body: boxStl() })).status,
    ).toBe(200);
    expect((await call(`/api/partner/v1/orders/${partnerOrderId}/submit`, { method: 'POST', headers: partnerHeaders })).status).toBe(202);
    await waitForStatus(`/api/partner/v1/orders/${partnerOrderId}`, partnerHeaders, 'PRICE_CALCULATED');
    expect((await call(`/api/partner/v1/orders/${partnerOrderId}/confirm`, { method: 'POST', headers: partnerHeaders })).status).toBe(200);

    // Credentials that fail are credentials too: a near-miss key and a forged token must not be logged either.
    const wrongKey = `alx_${apiKey.split('_')[1]}_${marker('W').padEnd(43, 'x').slice(0, 43)}`;
    secrets.wrongKey = wrongKey;
    expect((await call(`/api/partner/v1/orders/${partnerOrderId}`, { headers: { 'x-api-key': wrongKey } })).status).toBe(401);
    const forged = `${customerToken.split('.').slice(0, 2).join('.')}.${marker('forgedsig')}`;
    secrets.forgedSignature = forged.split('.')[2] as string;
    expect((await call('/api/shop/orders', { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);

    // EventSource clients put a stream ticket in the query string (a bearer token there is refused, and not logged either).
    expect((await fetch(`${app.baseUrl}/api/mes/orders/stream?access_token=${operator}`)).status).toBe(401);
    const streamTicket = await call('/api/mes/orders/stream-ticket', { method: 'POST', headers: bearer(operator) });
    expect(streamTicket.status).toBe(200);
    secrets.streamTicket = streamTicket.body.ticket as string;
    const stream = new AbortController();
    const closeStream = setTimeout(() => stream.abort(), 1_000);
    const opened = await fetch(`${app.baseUrl}/api/mes/orders/stream?access_token=${secrets.streamTicket}`, { signal: stream.signal }).catch(() => undefined);
    expect(opened?.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    clearTimeout(closeStream);
    stream.abort();
    await opened?.body?.cancel().catch(() => undefined);

    // Support reads the history: what it shows is what the events hold.
    const history = await call(`/api/support/orders/${orderId}/history`, { headers: bearer(await token('support', 'sup-3')) });
    expect(history.status).toBe(200);

    const logs = app.output();
    expect(logs).toContain(orderId); // the logs did capture this run
    const rows = await everyRow(app.database.url);
    expect(rows).toContain('OrderClosed');
    expect(rows).toContain('ManufacturingApproved');
    const leaks = Object.entries(secrets).flatMap(([name, value]) => [
      ...(logs.includes(value) ? [`${name} in the logs`] : []),
      ...(rows.includes(value) ? [`${name} in the database`] : []),
      ...(JSON.stringify(history.body).includes(value) ? [`${name} in the support history`] : []),
    ]);
    expect(leaks).toEqual([]);
  });
});

/** Every row of every table of the app's database, as text. */
async function everyRow(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const parts: string[] = [];
    for (const table of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${table.schema}"."${table.name}" t`);
      parts.push(...rows.rows.map((row) => row.row));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}
