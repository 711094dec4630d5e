import type { RecordedEvent } from '../../../infrastructure/event-store/event-store.port';
import { isSaneRequestId } from '../../../infrastructure/http/request-id/request-id';
import type { ApplyResult, ReadModel, SqlClient } from '../../runtime/read-model';
import { orderIdOfStream } from '../orders-current/orders-current.fold';
import { insertRequestEvents } from './request-events.queries';
import { createRequestEventsTable, REQUEST_EVENTS } from './request-events.schema';

/**
 * request_events: one row per event that an HTTP request appended (events
 * whose metadata carries a requestId), so support goes from the id a
 * customer quotes to exactly what that request changed with one index
 * range, never a scan of the event store. One multi-row insert per batch.
 */
export class RequestEventsReadModel implements ReadModel {
  readonly name = 'request-events';
  readonly tables = [REQUEST_EVENTS] as const;

  async createTables(client: SqlClient, suffix: string): Promise<void> {
    await client.query(createRequestEventsTable(suffix));
  }

  async createIndexes(): Promise<void> {
    // The primary key is the only index the lookup needs.
  }

  async apply(client: SqlClient, events: readonly RecordedEvent[], suffix: string): Promise<ApplyResult> {
    const requestIds: string[] = [];
    const positions: string[] = [];
    const streams: string[] = [];
    const revisions: string[] = [];
    const types: string[] = [];
    const orderIds: Array<string | null> = [];
    const occurredAts: string[] = [];
    for (const event of events) {
      const metadata = event.metadata as Partial<RecordedEvent['metadata']> | null | undefined;
      const requestId = metadata?.requestId;
      if (!isSaneRequestId(requestId)) continue;
      requestIds.push(requestId);
      positions.push(String(event.position));
      streams.push(event.streamId);
      revisions.push(String(event.revision));
      types.push(event.type);
      orderIds.push(orderIdOfStream(event.streamId));
      occurredAts.push(isoTimeOr(metadata?.occurredAt, event.recordedAt));
    }
    if (requestIds.length === 0) return { rowsChanged: 0 };
    const result = await client.query({ ...insertRequestEvents(suffix), values: [requestIds, positions, streams, revisions, types, orderIds, occurredAts] });
    return { rowsChanged: result.rowCount ?? requestIds.length };
  }
}

/** occurredAt as PostgreSQL will read it; an event with a malformed one is listed at its recorded time. */
function isoTimeOr(value: unknown, fallback: Date): string {
  const time = typeof value === 'string' ? new Date(value) : undefined;
  return time && !Number.isNaN(time.getTime()) ? time.toISOString() : fallback.toISOString();
}
