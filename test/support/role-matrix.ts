/**
 * Who may call what: every route of the app, for every role and for a caller
 * without credentials, in one table. test/role-matrix.e2e.spec.ts calls each
 * route as each of them and fails when the app has a route this table does
 * not declare (so a new endpoint must say who it is for) or the table names
 * a route the app no longer has.
 *
 * 'allowed' means the guard lets the caller through: the answer is then
 * whatever the route says about the (random) input, never 401/403 or 5xx.
 */
export const CALLERS = ['anonymous', 'customer', 'seller', 'operator', 'support', 'admin', 'partner'] as const;
export type Caller = (typeof CALLERS)[number];
export type Expected = 'allowed' | 401 | 403 | 404;
export type Audience = Record<Caller, Expected>;

/** Anyone, with or without credentials. */
const PUBLIC: Audience = { anonymous: 'allowed', customer: 'allowed', seller: 'allowed', operator: 'allowed', support: 'allowed', admin: 'allowed', partner: 'allowed' };

/** The carrier's HMAC signature is its only credential: no token or key stands in for it, so every caller here is a 401. */
const CARRIER_SIGNED: Audience = { anonymous: 401, customer: 401, seller: 401, operator: 401, support: 401, admin: 401, partner: 401 };

/** Only these roles; no credentials is 401, any other role 403. */
function only(...roles: Caller[]): Audience {
  return Object.fromEntries(CALLERS.map((caller) => [caller, caller === 'anonymous' ? 401 : roles.includes(caller) ? 'allowed' : 403])) as Audience;
}

export const ROUTE_AUDIENCE: Record<string, Audience> = {
  // operations
  'GET /health/live': PUBLIC,
  'GET /health/ready': PUBLIC,
  // shop (customers)
  'GET /api/shop/catalog': PUBLIC,
  'GET /api/shop/orders': only('customer'),
  'POST /api/shop/orders': only('customer'),
  'GET /api/shop/orders/:id': only('customer'),
  'PUT /api/shop/orders/:id/model': only('customer'),
  'POST /api/shop/orders/:id/model/from-catalog': only('customer'),
  'POST /api/shop/orders/:id/submit': only('customer'),
  'POST /api/shop/orders/:id/cancel': only('customer'),
  // CRM (sellers), and the carrier, whose signature is checked by a guard before anything else (401 MISSING_SIGNATURE)
  'GET /api/crm/orders': only('seller'),
  'POST /api/crm/orders/:id/approve': only('seller'),
  'POST /api/crm/orders/:id/cancel': only('seller'),
  'POST /api/crm/orders/:id/close': only('seller'),
  'POST /api/crm/carrier/delivered': CARRIER_SIGNED,
  // MES (operators); the stream checks its token itself (EventSource sends no headers), so an API key is "no token": 401
  'GET /mes': PUBLIC, // the operators' page: static HTML that asks for a token and calls the MES API
  'GET /api/mes/orders': only('operator'),
  'POST /api/mes/orders/stream-ticket': only('operator'),
  'GET /api/mes/orders/stream': { ...only('operator'), partner: 401 },
  'POST /api/mes/orders/:id/start': only('operator'),
  'POST /api/mes/orders/:id/complete': only('operator'),
  'POST /api/mes/orders/:id/package': only('operator'),
  'POST /api/mes/orders/:id/ship': only('operator'),
  // partners (X-Api-Key)
  'POST /api/partner/v1/orders': only('partner'),
  'GET /api/partner/v1/orders': only('partner'),
  'GET /api/partner/v1/orders/:id': only('partner'),
  'PUT /api/partner/v1/orders/:id/model': only('partner'),
  'POST /api/partner/v1/orders/:id/submit': only('partner'),
  'POST /api/partner/v1/orders/:id/confirm': only('partner'),
  'POST /api/partner/v1/quotes': only('partner'),
  'GET /api/partner/v1/quotes/:id': only('partner'),
  // support
  'GET /support': PUBLIC, // support's page: static HTML that asks for a token and calls the support API
  'GET /api/support/orders/stuck': only('support', 'admin'),
  'GET /api/support/orders/:id/history': only('support', 'admin'),
  'GET /api/support/orders/:id/state': only('support', 'admin'),
  'GET /api/support/orders/:id/diagnosis': only('support', 'admin'),
  'POST /api/support/orders/:id/retry-pricing': only('support', 'admin'),
  'GET /api/support/requests/:requestId': only('support', 'admin'),
  'GET /api/support/pricing/dead-letters': only('support', 'admin'),
  'POST /api/support/pricing/dead-letters/:jobId/retry': only('support', 'admin'),
  'GET /api/support/parked-events': only('support', 'admin'),
  'POST /api/support/parked-events/:consumer/:position/retry': only('support', 'admin'),
  'POST /api/support/parked-events/:consumer/:position/skip': only('support', 'admin'),
  // admin
  'GET /api/admin/api-keys': only('admin'),
  'POST /api/admin/api-keys': only('admin'),
  'POST /api/admin/api-keys/:id/revoke': only('admin'),
  'GET /api/admin/materials': only('admin'),
  'GET /api/admin/materials/:code': only('admin'),
  'PUT /api/admin/materials/:code': only('admin'),
};

/** Long-lived answers (server-sent events): a caller let through gets an open stream, so no answer in time counts as allowed. */
export const STREAMING_ROUTES = new Set(['GET /api/mes/orders/stream']);

/** Routes served outside the API document (Prometheus text, HTML pages): everything else must be in /docs/openapi.json. */
export const UNDOCUMENTED_ROUTES = new Set(['GET /mes', 'GET /support']);

/**
 * The app's routes as "METHOD /path/:param", from Fastify's own router (so
 * routes missing from the OpenAPI document are found too). HEAD twins of GET
 * routes and the Swagger UI's files under /docs are left out.
 */
export function routesFromRouterTree(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + (match[2] ?? '');
    stack[depth] = path;
    for (const method of (match[3] ?? '').split(',').map((value) => value.trim())) {
      if (method && method !== 'HEAD' && method !== 'OPTIONS' && !/^\/docs(?![A-Za-z0-9_])/.test(path)) routes.push(`${method} ${path}`);
    }
  }
  return [...new Set(routes)].sort();
}
