/**
 * The SQL of parked events, shared by the repository (the app's pool) and the
 * consumers that park inside their own transaction on their own connection
 * (the projector parks and moves its checkpoint in one commit). Positions
 * cross the wire as text.
 */

import type { RecordedEvent } from '../event-store/event-store.port';

/** Errors are kept to this many characters: enough for a message and a cause, never a payload dump. */
export const MAX_ERROR_LENGTH = 2_000;

export type ParkedState = 'parked' | 'resolved' | 'skipped';

/** Row shape of the SELECTs below. */
export interface ParkedEventRow {
  consumer: string;
  position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  event_type: string;
  error: string;
  state: ParkedState;
  attempts: number;
  parked_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
}

const COLUMNS = `consumer, position::text AS position, stream_id, revision::text AS revision, event_id, event_type, error, state, attempts, parked_at, resolved_at, resolved_by`;

/**
 * $1 consumer, $2 position, $3 stream, $4 revision, $5 event id, $6 type, $7 error.
 * Parking an event again (a restarted subscriber, a rebuild) counts the failure
 * and opens the row again, unless support skipped it for good.
 */
export const PARK_EVENT = {
  name: 'parked_events_park_v1',
  text: `
    INSERT INTO parked_events AS p (consumer, position, stream_id, revision, event_id, event_type, error)
    VALUES ($1::text, $2::bigint, $3::text, $4::bigint, $5::text, $6::text, $7::text)
    ON CONFLICT (consumer, position) DO UPDATE
       SET error = EXCLUDED.error, state = 'parked', attempts = p.attempts + 1, parked_at = now(), resolved_at = NULL, resolved_by = NULL
     WHERE p.state <> 'skipped'`,
};

/** $1 consumer, $2 stream: positions the consumer must leave out when it folds the stream again (open or skipped). */
export const UNAPPLIED_POSITIONS_OF_STREAM = {
  name: 'parked_events_unapplied_of_stream_v1',
  text: `SELECT position::text AS position FROM parked_events WHERE consumer = $1::text AND stream_id = $2::text AND state IN ('parked', 'skipped')`,
};

/** $1 consumer: every position support skipped for good (a rebuild leaves them out, as the live consumer did). */
export const SKIPPED_POSITIONS = {
  name: 'parked_events_skipped_v1',
  text: `SELECT position::text AS position FROM parked_events WHERE consumer = $1::text AND state = 'skipped'`,
};

/** $1 consumer: positions still parked. */
export const OPEN_POSITIONS = {
  name: 'parked_events_open_positions_v1',
  text: `SELECT position::text AS position FROM parked_events WHERE consumer = $1::text AND state = 'parked'`,
};

/** $1 consumer, $2 bigint[] positions, $3 by: open rows whose events now apply (a rebuild with fixed code). */
export const RESOLVE_POSITIONS = {
  name: 'parked_events_resolve_many_v1',
  text: `
    UPDATE parked_events SET state = 'resolved', resolved_at = now(), resolved_by = $3::text
     WHERE consumer = $1::text AND position = ANY ($2::bigint[]) AND state = 'parked'`,
};

/** $1 consumer, $2 position. */
export const FIND_PARKED = {
  name: 'parked_events_find_v1',
  text: `SELECT ${COLUMNS} FROM parked_events WHERE consumer = $1::text AND position = $2::bigint`,
};

/** $1 consumer or null, $2 state or null (all), $3 stream or null, $4 limit. Oldest event first. */
export const LIST_PARKED = {
  name: 'parked_events_list_v1',
  text: `
    SELECT ${COLUMNS} FROM parked_events
     WHERE ($1::text IS NULL OR consumer = $1::text)
       AND ($2::text IS NULL OR state = $2::text)
       AND ($3::text IS NULL OR stream_id = $3::text)
     ORDER BY position, consumer
     LIMIT $4::int`,
};

/** $1 consumer, $2 position, $3 new state, $4 by. Only an open row changes; RETURNING says whether it did. */
export const CLOSE_PARKED = {
  name: 'parked_events_close_v1',
  text: `
    UPDATE parked_events SET state = $3::text, resolved_at = now(), resolved_by = $4::text
     WHERE consumer = $1::text AND position = $2::bigint AND state = 'parked'
    RETURNING ${COLUMNS}`,
};

/** $1 consumer, $2 position, $3 error: a retry that failed again. */
export const RECORD_RETRY_FAILURE = {
  name: 'parked_events_retry_failed_v1',
  text: `
    UPDATE parked_events SET error = $3::text, attempts = attempts + 1
     WHERE consumer = $1::text AND position = $2::bigint AND state = 'parked'
    RETURNING ${COLUMNS}`,
};

export const COUNT_OPEN = {
  name: 'parked_events_count_open_v1',
  text: `SELECT consumer, count(*)::int AS count FROM parked_events WHERE state = 'parked' GROUP BY consumer`,
};

export function truncateError(message: string): string {
  return message.length <= MAX_ERROR_LENGTH ? message : `${message.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

/** PARK_EVENT's parameters for one event. */
export function parkValues(consumer: string, event: RecordedEvent, error: string): string[] {
  return [consumer, String(event.position), event.streamId, String(event.revision), String(event.id), String(event.type), truncateError(error)];
}
