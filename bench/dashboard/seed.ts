import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../src/infrastructure/event-store/event-store.port';
import type { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store';

const SEED_CONCURRENCY = 16;
const STEPS = [
  'ModelUploaded',
  'OrderSubmitted',
  'PriceCalculated',
  'ManufacturingApproved',
  'ManufacturingStarted',
  'ManufacturingCompleted',
  'PackagingStarted',
  'OrderShipped',
  'OrderClosed',
];

/**
 * Appends `orders` orders through the event store, spread over the statuses;
 * every fifth one waits in MANUFACTURING_APPROVED (the freshness test starts them).
 */
export async function seedOrders(store: PostgresEventStore, orders: number, progress: (line: string) => void): Promise<{ events: number; approved: string[] }> {
  let next = 0;
  let events = 0;
  const approved: string[] = [];
  const started = Date.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= orders) return;
      const orderId = randomUUID();
      const list = orderEvents(orderId, i);
      if (list.at(-1)!.type === 'ManufacturingApproved') approved.push(orderId);
      await store.append(`order-${orderId}`, list, 'no_stream');
      events += list.length;
      if (i > 0 && i % 50_000 === 0) progress(`  ${i} orders, ${Math.round(events / ((Date.now() - started) / 1000))} events/s`);
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return { events, approved };
}

function orderEvents(orderId: string, i: number): NewEvent[] {
  // 0..9 steps after OrderInitiated; a fifth stop at ManufacturingApproved (4 steps).
  // None stops at SUBMITTED: the pricing worker would try to price a model that does not exist.
  const steps = i % 5 === 0 ? 4 : i % 10 === 2 ? 3 : i % 10;
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const submissionId = randomUUID();
  const envelope = (type: string, data: unknown): NewEvent => ({
    id: randomUUID(),
    type,
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actor: { role: 'system', id: 'bench' }, occurredAt: at, schemaVersion: 1 },
  });
  const list = [envelope('OrderInitiated', { orderId, customerRef: `cust-${i % 50_000}`, channel: 'shop', partnerId: null, material: 'GOLD_750' })];
  for (const type of STEPS.slice(0, steps)) {
    const data: Record<string, unknown> =
      type === 'ModelUploaded'
        ? { blobKey: 'bench', sha256: 'bench', sizeBytes: 684, format: 'stl-binary', source: 'upload', catalogItemId: null, triangleCount: 12 }
        : type === 'OrderSubmitted'
          ? { submissionId }
          : type === 'PriceCalculated'
            ? {
                submissionId,
                currency: 'EUR',
                total: 250,
                breakdown: { material: 'GOLD_750', massGrams: 5, volumeMm3: 300, surfaceAreaMm2: 400, materialCost: 220, labourCost: 30, minimumApplied: false, lines: [] },
              }
            : type === 'ManufacturingApproved'
              ? { approvedVia: 'seller' }
              : type === 'OrderShipped'
                ? { operatorRef: 'op-1', trackingNumber: `TRK-${i}` }
                : type === 'OrderClosed'
                  ? { closedVia: 'carrier', deliveredAt: at }
                  : { operatorRef: 'op-1' };
    list.push(envelope(type, data));
  }
  return list;
}
