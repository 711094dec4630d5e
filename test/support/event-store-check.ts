import type { AcknowledgedCommand } from './workload';

/** Events one order may carry at most once, whatever retries happened. */
export const AT_MOST_ONCE = [
  'OrderInitiated',
  'OrderSubmitted',
  'PriceCalculated',
  'ManufacturingApproved',
  'ManufacturingStarted',
  'ManufacturingCompleted',
  'PackagingStarted',
  'OrderShipped',
  'OrderClosed',
  'OrderCancelled',
];

export interface StoredEvent {
  revision: number;
  type: string;
  id: string;
}

export interface EventStoreCheck {
  /** Order streams as stored, by stream id, in revision order. */
  streams: Map<string, StoredEvent[]>;
  /** Acknowledged commands whose event is not where the answer said (with the stream as stored). */
  missing: unknown[];
  /** Streams with a gap, a repeated revision, a lifecycle step twice, or an event id twice. */
  broken: string[];
}

interface Queryable {
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * What "no acknowledged command lost or doubled" means, read straight from
 * the PostgreSQL event store: every acknowledged command left its event at
 * the revision it was told (or somewhere in its stream when the answer had
 * no revision), once; no stream has a gap or a lifecycle step twice.
 */
export async function checkEventStore(sql: Queryable, acknowledged: readonly AcknowledgedCommand[]): Promise<EventStoreCheck> {
  const { rows } = await sql.query<{ stream_id: string; revision: string; event_type: string; event_id: string }>(
    `SELECT stream_id, stream_revision::text AS revision, event_type, event_id::text FROM event_store.events WHERE stream_id LIKE 'order-%' ORDER BY stream_id, stream_revision`,
  );
  const streams = new Map<string, StoredEvent[]>();
  for (const row of rows) {
    const list = streams.get(row.stream_id) ?? [];
    list.push({ revision: Number(row.revision), type: row.event_type, id: row.event_id });
    streams.set(row.stream_id, list);
  }
  const missing = acknowledged
    .filter((ack) => {
      const stream = streams.get(`order-${ack.orderId}`) ?? [];
      return ack.revision === undefined ? !stream.some((event) => event.type === ack.eventType) : stream[ack.revision]?.type !== ack.eventType;
    })
    .map((ack) => ({ ...ack, stream: streams.get(`order-${ack.orderId}`)?.map((event) => event.type) }));
  const broken: string[] = [];
  if (new Set(rows.map((row) => row.event_id)).size !== rows.length) broken.push('an event id is stored twice');
  for (const [streamId, stream] of streams) {
    if (stream.some((event, index) => event.revision !== index)) broken.push(`${streamId}: revisions ${stream.map((event) => event.revision).join(',')}`);
    for (const type of AT_MOST_ONCE) {
      const count = stream.filter((event) => event.type === type).length;
      if (count > 1) broken.push(`${streamId}: ${type} x${count}`);
    }
  }
  return { streams, missing, broken };
}
