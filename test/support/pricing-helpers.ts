import { boxStl } from './stl';
import type { TestApp } from './test-app';
import { until } from './until';

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

/** Polls GET /api/shop/orders/:id until the status leaves SUBMITTED; answers the order as the customer sees it then. */
export async function awaitPricingOutcome(app: TestApp, token: string, id: string, timeoutMs = 20_000): Promise<OrderSnapshot> {
  return until(
    async () => {
      const response = await app.request(`/api/shop/orders/${id}`, { token });
      const order = (await response.json()) as OrderSnapshot;
      return order.status === 'SUBMITTED' ? undefined : order;
    },
    `order ${id} to leave SUBMITTED`,
    { timeoutMs, intervalMs: 50 },
  );
}
