import { Injectable } from '@nestjs/common';
import { Database } from '../database/database';
import {
  CLOSE_PARKED,
  COUNT_OPEN,
  FIND_PARKED,
  LIST_PARKED,
  PARK_EVENT,
  type ParkedEventRow,
  parkValues,
  type ParkedState,
  RECORD_RETRY_FAILURE,
  truncateError,
} from './parked-events.queries';
import type { RecordedEvent } from '../event-store/event-store.port';

/** A parked event as the support API shows it. */
export interface ParkedEvent {
  consumer: string;
  /** Global position (a bigint, as text). */
  position: string;
  streamId: string;
  revision: number;
  eventId: string;
  eventType: string;
  /** The latest failure. */
  error: string;
  state: ParkedState;
  /** Failures so far: the one that parked it, then each failed retry. */
  attempts: number;
  parkedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

/** Readiness probes and metric scrapes within this window share one count. */
const COUNT_CACHE_MS = 500;

/** The app's access to parked_events (consumers that park inside their own transaction use parked-events.queries.ts). */
@Injectable()
export class ParkedEventsRepository {
  private cachedCounts: { at: number; counts: Promise<Map<string, number>> } | undefined;

  constructor(private readonly db: Database) {}

  /** Parks an event outside any transaction of the caller's (the pricing subscriber). */
  async park(consumer: string, event: RecordedEvent, error: string): Promise<void> {
    await this.db.query(PARK_EVENT, parkValues(consumer, event, error));
    this.cachedCounts = undefined;
  }

  async list(filter: { consumer?: string; state?: ParkedState; streamId?: string; limit: number }): Promise<ParkedEvent[]> {
    const rows = await this.db.query<ParkedEventRow>(LIST_PARKED, [filter.consumer ?? null, filter.state ?? null, filter.streamId ?? null, filter.limit]);
    return rows.map(toParkedEvent);
  }

  async find(consumer: string, position: bigint): Promise<ParkedEvent | null> {
    const rows = await this.db.query<ParkedEventRow>(FIND_PARKED, [consumer, String(position)]);
    return rows[0] ? toParkedEvent(rows[0]) : null;
  }

  /** Closes an open row (resolved or skipped); null when it was not open any more. */
  async close(consumer: string, position: bigint, state: Exclude<ParkedState, 'parked'>, by: string): Promise<ParkedEvent | null> {
    const rows = await this.db.query<ParkedEventRow>(CLOSE_PARKED, [consumer, String(position), state, by]);
    this.cachedCounts = undefined;
    return rows[0] ? toParkedEvent(rows[0]) : null;
  }

  async recordRetryFailure(consumer: string, position: bigint, error: string): Promise<ParkedEvent | null> {
    const rows = await this.db.query<ParkedEventRow>(RECORD_RETRY_FAILURE, [consumer, String(position), truncateError(error)]);
    return rows[0] ? toParkedEvent(rows[0]) : null;
  }

  /** Open parked events per consumer (same on every replica: read from the database). */
  countOpen(): Promise<Map<string, number>> {
    const now = Date.now();
    if (this.cachedCounts && now - this.cachedCounts.at < COUNT_CACHE_MS) return this.cachedCounts.counts;
    const counts = this.db.query<{ consumer: string; count: number }>(COUNT_OPEN).then((rows) => new Map(rows.map((row) => [row.consumer, Number(row.count)])));
    this.cachedCounts = { at: now, counts };
    counts.catch(() => {
      if (this.cachedCounts?.counts === counts) this.cachedCounts = undefined;
    });
    return counts;
  }
}

function toParkedEvent(row: ParkedEventRow): ParkedEvent {
  return {
    consumer: row.consumer,
    position: row.position,
    streamId: row.stream_id,
    revision: Number(row.revision),
    eventId: row.event_id,
    eventType: row.event_type,
    error: row.error,
    state: row.state,
    attempts: row.attempts,
    parkedAt: row.parked_at.toISOString(),
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    resolvedBy: row.resolved_by,
  };
}
