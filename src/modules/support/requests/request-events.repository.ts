import { Injectable } from '@nestjs/common';
import { EVENTS_OF_REQUEST, ReadModelDatabase, type RequestEventRow } from '../../../projections';

export interface RequestEvent {
  streamId: string;
  revision: number;
  position: string;
  type: string;
  orderId: string | null;
  occurredAt: string;
}

/** The most events one request is listed with (a request appends a handful; this bounds a bad one). */
export const MAX_EVENTS_PER_REQUEST = 1000;

/** Support's lookup over the request-events read model (owned by the projections). */
@Injectable()
export class RequestEventsRepository {
  constructor(private readonly database: ReadModelDatabase) {}

  async eventsOf(requestId: string): Promise<RequestEvent[]> {
    const rows = await this.database.query<RequestEventRow>(EVENTS_OF_REQUEST, [requestId, MAX_EVENTS_PER_REQUEST]);
    return rows.map((row) => ({
      streamId: row.stream_id,
      revision: Number(row.revision),
      position: row.position,
      type: row.type,
      orderId: row.order_id,
      occurredAt: new Date(row.occurred_at).toISOString(),
    }));
  }
}
