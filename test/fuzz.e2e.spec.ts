import type { UserRole } from '../src/infrastructure/auth/principal';
import { createPartnerKey } from './support/partner-keys';
import { type Caller, CALLERS, ROUTE_AUDIENCE, STREAMING_ROUTES } from './support/role-matrix';
import { startTestApp, type TestApp } from './support/test-app';
import { prng } from './support/prng';

/**
 * Malformed requests at every route of the role matrix, sent by a caller the
 * route admits (so they reach validation, not just the guard) and now and
 * then by nobody: random bytes, huge numbers, wrong types, path tricks, SQL
 * fragments in filters, bad content types and headers. Every answer must be
 * below 500 and every error must carry a code; the app must still be ready.
 * Seeded, so a failure replays exactly (FUZZ_SEED).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const CONCURRENCY = 12;

describe('fuzzing every route with malformed requests', () => {
  let app: TestApp;
  const credentials = new Map<Caller, Record<string, string>>();

  beforeAll(async () => {
    app = await startTestApp({ PRICING_WORKER_ENABLED: 'false', RATE_LIMIT_ANONYMOUS_RPS: '100000', MAX_JSON_BYTES: '65536', MAX_MODEL_BYTES: '65536' });
    credentials.set('anonymous', {});
    for (const role of CALLERS.filter((caller): caller is UserRole => caller !== 'anonymous' && caller !== 'partner')) {
      credentials.set(role, { authorization: `Bearer ${await app.token(role, `${role}-fuzz`)}` });
    }
    credentials.set('partner', { 'x-api-key': (await createPartnerKey(app, 'fuzz-partner', { rps: 10_000, burst: 100_000 })).key });
  });
  afterAll(async () => {
    await app?.close();
  });

  it(`answers ${REQUESTS} malformed requests with 4xx codes, never 5xx, and stays healthy`, async () => {
    const random = prng(SEED);
    const routes = Object.entries(ROUTE_AUDIENCE);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        const index = next++;
        const [route, audience] = routes[index % routes.length] as [string, Record<Caller, unknown>];
        const request = malformedRequest(random, route, audience);
        const headers = { ...request.headers, ...(credentials.get(request.caller) ?? {}) };
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), STREAMING_ROUTES.has(route) ? 2_000 : 15_000);
        try {
          const response = await fetch(`${app.baseUrl}${request.path}`, { method: request.method, headers, body: request.body, signal: controller.signal });
          const text = STREAMING_ROUTES.has(route) && response.status < 300 ? '' : await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const problem = verdict(response.status, text);
          if (problem) failures.push(`#${index} ${request.method} ${request.path.slice(0, 200)} (${request.note}) as ${request.caller}: ${problem}`);
        } catch (error) {
          // An open event stream is cut by our timer; anything else is a failure to answer.
          if (!STREAMING_ROUTES.has(route)) failures.push(`#${index} ${request.method} ${request.path.slice(0, 200)} (${request.note}): no answer (${(error as Error).message})`);
        } finally {
          clearTimeout(timer);
          controller.abort();
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures.slice(0, 30)).toEqual([]);
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    const ready = await app.request('/health/ready');
    expect(ready.status).toBe(200);
  }, 120_000);
});

function verdict(status: number, text: string): string | undefined {
  if (status >= 500) return `${status} ${text.slice(0, 200)}`;
  if (status < 400) return undefined;
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown; stack?: unknown };
    if (typeof body.code !== 'string' || typeof body.message !== 'string') return `${status} without {code, message}: ${text.slice(0, 200)}`;
    if (body.stack !== undefined || /\n\s+at /.test(text)) return `${status} with a stack trace`;
    return undefined;
  } catch {
    return `${status} with a non-JSON body: ${text.slice(0, 120)}`;
  }
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  caller: Caller;
  note: string;
}

const PATH_VALUES = [
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '%00',
  "1'%20OR%20'1'%3D'1",
  '1%3BDROP%20TABLE%20orders',
  '99999999999999999999999999',
  '-1',
  '1e309',
  'NaN',
  '%F0%9F%92%8E',
  '%C0%AF',
  'x'.repeat(300),
  '00000000-0000-4000-8000-00000000000',
  '00000000-0000-4000-8000-0000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

const QUERY_VALUES = [
  "' OR 1=1--",
  "'; DROP TABLE event_store.events; --",
  '1 UNION SELECT * FROM pg_user',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  'NaN',
  '[object Object]',
  '%00',
  '\u0000',
  '../../',
  'SUBMITTED,PRICE_CALCULATED',
  'x'.repeat(2000),
  '2026-13-45T99:99:99Z',
];

const QUERY_NAMES = ['status', 'cursor', 'limit', 'q', 'revision', 'at', 'material', 'lastEventId', 'access_token', 'sort', 'id'];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=xyz',
  'application/x-www-form-urlencoded',
  'model/stl',
  'application/octet-stream',
  'application/vnd.ms-pki.stl',
  '',
  'application/json, text/html',
];

function malformedRequest(random: () => number, route: string, audience: Record<Caller, unknown>): FuzzRequest {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const [declaredMethod, template] = route.split(' ') as [string, string];
  const admitted = CALLERS.filter((caller) => audience[caller] === 'allowed');
  const caller: Caller = random() < 0.1 || admitted.length === 0 ? pick(CALLERS) : pick(admitted);
  const notes: string[] = [];
  let path = template.replace(/:\w+/g, () => {
    if (random() < 0.5) {
      const value = pick(PATH_VALUES);
      notes.push(`param ${value.slice(0, 20)}`);
      return value;
    }
    return crypto.randomUUID();
  });
  if (random() < 0.1) {
    path = pick([`${path}/..`, `${path}/%2e%2e/%2e%2e/admin`, `//${path}`, `${path}%00`, `${path};jsessionid=1`, `${path}/${'a/'.repeat(200)}`]);
    notes.push('path trick');
  }
  const query = Array.from({ length: Math.floor(random() * 4) }, () => `${pick(QUERY_NAMES)}=${encodeURIComponent(pick(QUERY_VALUES))}`);
  if (query.length > 0) {
    path += `?${query.join('&')}`;
    notes.push('query');
  }
  const method = random() < 0.05 ? pick(['DELETE', 'PATCH', 'PUT', 'POST', 'GET']) : declaredMethod;
  const headers: Record<string, string> = {};
  if (random() < 0.15) headers['idempotency-key'] = pick(['', ' ', 'x'.repeat(500), '../../', "'--", '\u00e9t\u00e9']).replace(/[^\x20-\x7e]/g, '?');
  if (random() < 0.05) headers['last-event-id'] = pick(['-1', 'abc', '1e309', '99999999999999999999999999']);
  let body: Buffer | string | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const contentType = pick(CONTENT_TYPES);
    if (contentType) headers['content-type'] = contentType;
    const kind = Math.floor(random() * 9);
    notes.push(`body ${kind} as ${contentType || 'none'}`);
    body = [
      () => randomBytes(random, Math.floor(random() * 2048)),
      () => JSON.stringify({ material: pick([123, true, null, [], {}, 'GOLD_750'.repeat(100), '<script>', "' OR 1=1"]), extra: 1 }),
      () => JSON.stringify({ trackingNumber: pick([1e308, -1, 'x'.repeat(5000), null, ['TRK-1']]), reason: { $gt: '' } }),
      () => `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      () => '{"material": "GOLD_750", "__proto__": {"isAdmin": true}, "constructor": {"prototype": {"x": 1}}}',
      () =>
        JSON.stringify({
          orderId: pick(PATH_VALUES),
          deliveredAt: pick(['yesterday', 1e20, '2026-02-30']),
          name: 'x'.repeat(100),
          rps: pick([0, -5, 1e12, '20', 2.5]),
          burst: 'many',
        }),
      () => '',
      () => pick(['null', '[]', '"text"', '12345678901234567890123456789', 'NaN', '{', '}}}', '\u0000']),
      () => JSON.stringify({ material: 'GOLD\u0000_750', reason: 'a\u0000b', trackingNumber: 'TRK\u0000', name: 'n\u0000' }),
    ][kind]?.();
  }
  return { method, path, headers, body, caller, note: notes.join(', ') };
}

function randomBytes(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index++) bytes[index] = Math.floor(random() * 256);
  return bytes;
}
