import { randomUUID } from 'node:crypto';
import type { UserRole } from '../src/infrastructure/auth/principal';
import { createPartnerKey } from './support/partner-keys';
import { type Caller, CALLERS, type Expected, ROUTE_AUDIENCE, routesFromRouterTree, STREAMING_ROUTES, UNDOCUMENTED_ROUTES } from './support/role-matrix';
import { boxStl } from './support/stl';
import { startTestApp, type TestApp } from './support/test-app';

describe('role matrix: every route, every role, and no credentials', () => {
  let app: TestApp;
  let routes: string[];
  const credentials = new Map<Caller, Record<string, string>>();

  beforeAll(async () => {
    // The anonymous per-IP budget is tested elsewhere; here it would only add 429s.
    app = await startTestApp({ PRICING_WORKER_ENABLED: 'false', RATE_LIMIT_ANONYMOUS_RPS: '100000' });
    routes = routesFromRouterTree(app.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false }));
    credentials.set('anonymous', {});
    for (const role of CALLERS.filter((caller): caller is UserRole => caller !== 'anonymous' && caller !== 'partner')) {
      credentials.set(role, { authorization: `Bearer ${await app.token(role, `${role}-matrix`)}` });
    }
    const key = await createPartnerKey(app, 'matrix-partner', { rps: 10_000, burst: 10_000 });
    credentials.set('partner', { 'x-api-key': key.key });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('declares every route of the app, and only those', async () => {
    const declared = Object.keys(ROUTE_AUDIENCE).sort();
    expect({ undeclared: routes.filter((route) => !declared.includes(route)), gone: declared.filter((route) => !routes.includes(route)) }).toEqual({
      undeclared: [],
      gone: [],
    });
  });

  it('documents every declared route in the OpenAPI document', async () => {
    const document = (await (await app.request('/docs/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(routes.filter((route) => !UNDOCUMENTED_ROUTES.has(route) && !documented.includes(route))).toEqual([]);
  });

  it('answers each caller as the table says', async () => {
    const cases = Object.entries(ROUTE_AUDIENCE).flatMap(([route, audience]) => CALLERS.map((caller) => ({ route, caller, expected: audience[caller] })));
    const mismatches: string[] = [];
    await inBatches(cases, 8, async ({ route, caller, expected }) => {
      const status = await call(route, caller, randomUUID()).catch(() => (STREAMING_ROUTES.has(route) ? 'open stream' : 'no answer in 10 s'));
      if (!matches(expected, status)) mismatches.push(`${route} as ${caller}: expected ${expected}, got ${status}`);
    });
    expect(mismatches).toEqual([]);
  });

  it('validates UUID route parameters before anything else, for every allowed caller', async () => {
    const mismatches: string[] = [];
    const withIds = Object.entries(ROUTE_AUDIENCE).filter(([route]) => /:(id|jobId)\b/.test(route));
    await inBatches(withIds, 8, async ([route, audience]) => {
      const caller = CALLERS.find((candidate) => audience[candidate] === 'allowed');
      if (!caller) return;
      for (const bad of ['not-a-uuid', '1', "1'%20OR%20'1'%3D'1", '00000000-0000-0000-0000-00000000000g']) {
        const status = await call(route, caller, bad);
        if (status !== 400) mismatches.push(`${route} with id ${bad}: expected 400, got ${status}`);
      }
    });
    expect(mismatches).toEqual([]);
  });

  async function call(route: string, caller: Caller, id: string): Promise<number> {
    const [method, template] = route.split(' ') as [string, string];
    const path = template.replace(/:code\b/, 'GOLD_750').replace(/:\w+/g, id);
    const headers: Record<string, string> = { ...credentials.get(caller) };
    let body: Buffer | string | undefined;
    if (method === 'PUT' && path.endsWith('/model')) {
      headers['content-type'] = 'model/stl';
      body = boxStl();
    } else if (method === 'POST' && path.endsWith('/quotes')) {
      headers['content-type'] = 'model/stl';
      body = boxStl();
    } else if (method === 'POST' || method === 'PUT') {
      headers['content-type'] = 'application/json';
      body = '{}';
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), STREAMING_ROUTES.has(route) ? 3_000 : 10_000);
    const response = await app.request(path, { method, headers, body, signal: controller.signal }).finally(() => clearTimeout(timer));
    // Streams (server-sent events) never end by themselves: the status is all we need.
    controller.abort();
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  }
});

function matches(expected: Expected, status: number | string): boolean {
  if (status === 'open stream') return expected === 'allowed';
  if (typeof status === 'string') return false;
  if (expected === 'allowed') return status !== 401 && status !== 403 && status < 500;
  return status === expected;
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let index = 0; index < items.length; index += size) await Promise.all(items.slice(index, index + size).map(work));
}
