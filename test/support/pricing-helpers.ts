import { boxStl } from './stl';
import type { TestApp } from './test-app';

/** The test box with its last triangle removed: readable, but not watertight (3 open edges). */
export function openBoxStl(): Buffer {
  const closed = boxStl();
  const open = Buffer.from(closed.subarray(0, closed.length - 50));
  open.writeUInt32LE(11, 80);
  return open;
}

export interface OrderSnapshot {
  id: string;
  status: string;
  price: { currency: string; total: number; breakdown: Record<string, unknown> } | null;
  cancellation: { reasonCode: string; reason: string; cancelledBy: string } | null;
}

/** Create, upload, submit through the shop API; answers the order id. */
export async function submitShopOrder(app: TestApp, token: string, model: Buffer, material = 'GOLD_750'): Promise<string> {
  const created = await app.request('/api/shop/orders', { method: 'POST', token, json: { material } });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const uploaded = await app.request(`/api/shop/orders/${id}/model`, { method: 'PUT', token, body: model, headers: { 'content-type': 'model/stl' } });
  if (uploaded.status !== 200) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
  const submitted = await app.request(`/api/shop/orders/${id}/submit`, { method: 'POST', token });
  if (submitted.status !== 202) throw new Error(`submit: ${submitted.status} ${await submitted.text()}`);
  return id;
}

/** Polls GET /api/shop/orders/:id until the status leaves SUBMITTED (or the sanity bound passes). */
export async function awaitPricingOutcome(app: TestApp, token: string, id: string, timeoutMs = 20_000): Promise<OrderSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await app.request(`/api/shop/orders/${id}`, { token });
    const order = (await response.json()) as OrderSnapshot;
    if (order.status !== 'SUBMITTED' || Date.now() > deadline) return order;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
