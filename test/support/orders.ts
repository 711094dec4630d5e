import { randomUUID } from 'node:crypto';
import { OrderCommandExecutor } from '../../src/shared/order-commands/order-command.executor';
import { boxStl } from './stl';
import type { TestApp } from './test-app';
import { until } from './until';

/**
 * Orders at a given step of the lifecycle, built through the public API the
 * way a customer and a seller would (only the price is recorded by hand, for
 * apps that run without the pricing worker). Each helper fails the test with
 * the step, the status and the body when the app refuses a step.
 */

export interface OrderOptions {
  material?: string;
  /** The model to upload (default: the 10 x 10 x 10 mm test box). */
  model?: Buffer;
  /** Extra headers on the create request only (a correlation id, a traceparent, an idempotency key). */
  headers?: Record<string, string>;
}

export interface OrderTokens {
  customer: string;
  seller: string;
}

type Http = Pick<TestApp, 'request'>;

async function expectStatus(response: Response, expected: number, step: string): Promise<Response> {
  if (response.status !== expected) throw new Error(`${step}: expected ${expected}, got ${response.status} ${await response.text()}`);
  return response;
}

/** INITIATED, through POST /api/shop/orders; answers the order id. */
export async function createdOrder(app: Http, customer: string, options: OrderOptions = {}): Promise<string> {
  const response = await app.request('/api/shop/orders', {
    method: 'POST',
    token: customer,
    json: { material: options.material ?? 'GOLD_750' },
    ...(options.headers ? { headers: options.headers } : {}),
  });
  await expectStatus(response, 201, 'create');
  return ((await response.json()) as { id: string }).id;
}

/** FILE_UPLOADED: created, then its model uploaded. */
export async function uploadedOrder(app: Http, customer: string, options: OrderOptions = {}): Promise<string> {
  const id = await createdOrder(app, customer, options);
  const uploaded = await app.request(`/api/shop/orders/${id}/model`, {
    method: 'PUT',
    token: customer,
    body: options.model ?? boxStl(),
    headers: { 'content-type': 'model/stl' },
  });
  await expectStatus(uploaded, 200, `upload ${id}`);
  return id;
}

/** SUBMITTED: created, uploaded and submitted (202). */
export async function submittedOrder(app: Http, customer: string, options: OrderOptions = {}): Promise<string> {
  const id = await uploadedOrder(app, customer, options);
  await expectStatus(await app.request(`/api/shop/orders/${id}/submit`, { method: 'POST', token: customer }), 202, `submit ${id}`);
  return id;
}

/**
 * Records a price for a SUBMITTED order as the pricing worker would (EUR 420.50),
 * for tests whose app runs without the worker; fails if the order is not SUBMITTED.
 */
export async function recordPrice(app: TestApp, orderId: string): Promise<void> {
  const executor = app.app.get(OrderCommandExecutor);
  const { state } = await executor.load(orderId);
  if (state.status !== 'SUBMITTED' || !state.submissionId) throw new Error(`order ${orderId} is ${state.status}, not SUBMITTED`);
  const actor = { role: 'pricing' as const, id: 'pricing-worker' };
  await executor.execute(
    orderId,
    {
      type: 'RecordPrice',
      data: {
        submissionId: state.submissionId,
        currency: 'EUR',
        total: 420.5,
        breakdown: { material: 'GOLD_750', massGrams: 6.2, volumeMm3: 400, surfaceAreaMm2: 440, materialCost: 380.5, labourCost: 40, minimumApplied: false, lines: [] },
      },
      metadata: { now: new Date().toISOString(), actor },
    },
    { actor, correlationId: randomUUID(), causationId: null },
  );
}

/**
 * Waits until the customer sees the order PRICE_CALCULATED, recording the
 * price by hand while it is still SUBMITTED: whether the pricing worker runs
 * (and may win the race) or not, the order ends up priced and projected.
 */
export async function awaitPriced(app: TestApp, customer: string, orderId: string, timeoutMs = 10_000): Promise<void> {
  const executor = app.app.get(OrderCommandExecutor);
  let lastError: Error | undefined;
  await until(
    async () => {
      if ((await executor.load(orderId)).state.status === 'SUBMITTED') await recordPrice(app, orderId).catch((error: Error) => (lastError = error));
      const view = await app.request(`/api/shop/orders/${orderId}`, { token: customer });
      return view.status === 200 && ((await view.json()) as { status: string }).status === 'PRICE_CALCULATED' ? true : undefined;
    },
    `order ${orderId} to be priced`,
    { timeoutMs, diagnostics: () => (lastError === undefined ? '' : `last attempt to record the price: ${lastError.message}`) },
  );
}

/** PRICE_CALCULATED: submitted, then priced (by the worker or by hand). */
export async function pricedOrder(app: TestApp, customer: string, options: OrderOptions = {}): Promise<string> {
  const id = await submittedOrder(app, customer, options);
  await awaitPriced(app, customer, id);
  return id;
}

/** A seller approves a priced order for manufacturing (200). */
export async function approve(app: Http, seller: string, orderId: string): Promise<void> {
  await expectStatus(await app.request(`/api/crm/orders/${orderId}/approve`, { method: 'POST', token: seller }), 200, `approve ${orderId}`);
}

/** MANUFACTURING_APPROVED: priced, then approved by a seller. */
export async function approvedOrder(app: TestApp, tokens: OrderTokens, options: OrderOptions = {}): Promise<string> {
  const id = await pricedOrder(app, tokens.customer, options);
  await approve(app, tokens.seller, id);
  return id;
}
