import { randomUUID } from 'node:crypto';
import { OrderCommandExecutor } from '../../src/shared/order-commands/order-command.executor';
import type { TestApp } from './test-app';

export interface CreatedKey {
  id: string;
  partnerId: string;
  prefix: string;
  key: string;
  rps: number;
  burst: number;
}

/** Creates a partner API key through the admin API. */
export async function createPartnerKey(app: TestApp, name: string, limits: { rps?: number; burst?: number; partnerId?: string } = {}): Promise<CreatedKey> {
  const admin = await app.token('admin', 'admin-1');
  const response = await app.request('/api/admin/api-keys', { method: 'POST', token: admin, json: { name, ...limits } });
  if (response.status !== 201) throw new Error(`creating a key failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as CreatedKey;
}

/** Records a price as the pricing worker would, for tests that run without it. */
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

/** The secret part of `alx_<12 hex prefix>_<secret>`; the base64url secret may itself contain '_'. */
export function apiKeySecretPart(key: string): string {
  return key.slice('alx_'.length + 12 + 1);
}
