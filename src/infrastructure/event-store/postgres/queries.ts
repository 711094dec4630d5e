/**
 * Every SQL statement the PostgreSQL event store sends, in one place so a
 * reviewer can read (and EXPLAIN) them. The append itself lives in the
 * PL/pgSQL function event_store.append_events (migrations/1763900000000-EventStoreSchema.ts).
 *
 * Numbers cross the wire as text (`::text`): bigints beyond 2^53 must not go
 * through a JS number, whatever type parsers someone registers on `pg`.
 */

/** Number of positions each transaction owns: position = xid * SLOTS_PER_TRANSACTION + index. */
export const SLOTS_PER_TRANSACTION = 4096;

/** The channel append_events (or, for the adapter's appends, AppendNotifier) notifies on commit. */
export const APPENDED_CHANNEL = 'event_store_appended';

/**
 * Positions below this belong to transactions that have all finished: no
 * event can ever appear under it again. xmin is the oldest transaction still
 * running in the cluster (all databases), so readers stop just before it.
 */
const VISIBLE_BOUND = `pg_snapshot_xmin(pg_current_snapshot())::text::bigint * ${SLOTS_PER_TRANSACTION}`;

/**
 * Columns of `event_store.events e`. Always qualify with `e.` elsewhere in a
 * query: ORDER BY position would otherwise sort by the text alias below.
 */
const EVENT_COLUMNS = `e.position::text AS position, e.stream_id, e.stream_revision::text AS stream_revision,
  e.event_id::text AS event_id, e.event_type, e.data, e.metadata, e.recorded_at`;

/** Row shape of EVENT_COLUMNS as `pg` returns it. */
export interface EventRow {
  position: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  event_type: string;
  data: unknown;
  metadata: unknown;
  recorded_at: Date;
}

export interface AppendRow {
  appended: boolean;
  next_revision: string;
  last_position: string;
}

/**
 * Named statements are parsed and planned once per connection, which matters
 * on the append path (see bench/event-store). A name stands for one text: rename on change.
 */
export const APPEND = {
  name: 'event_store_append_v2',
  text: `SELECT appended, next_revision::text AS next_revision, last_position::text AS last_position
           FROM event_store.append_events($1::text, $2::bigint, $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[], p_notify => false)`,
};

/** Sent by AppendNotifier after appends commit; asynchronous commit for this transaction only (see there). */
export const NOTIFY_APPENDED = {
  name: 'event_store_notify_appended',
  text: `SELECT set_config('synchronous_commit', 'off', true), pg_notify('${APPENDED_CHANNEL}', '')`,
};

/** $1 stream, $2 first revision, $3 last revision (both inclusive). */
export const READ_STREAM = {
  name: 'event_store_read_stream',
  text: `SELECT ${EVENT_COLUMNS} FROM event_store.events e
          WHERE e.stream_id = $1::text AND e.stream_revision BETWEEN $2::bigint AND $3::bigint
          ORDER BY e.stream_revision`,
};

/** $1 exclusive position, $2 limit. A range scan of the primary key under the visible bound. */
export const READ_ALL = {
  name: 'event_store_read_all',
  text: `SELECT ${EVENT_COLUMNS} FROM event_store.events e
          WHERE e.position > $1::bigint AND e.position < ${VISIBLE_BOUND}
          ORDER BY e.position
          LIMIT $2::integer`,
};

export const HEAD_POSITION = {
  name: 'event_store_head_position',
  text: `SELECT max(position)::text AS position FROM event_store.events WHERE position < ${VISIBLE_BOUND}`,
};

/**
 * $1 position. Any committed event after it, visible to readers yet or not:
 * a subscriber that got nothing but sees true here knows an older
 * transaction still holds the bound back, and polls again soon.
 *
 * Written as "the first position after $1" (ORDER BY ... LIMIT 1): as
 * `EXISTS (... WHERE position > $1)` the generic plan was a sequential scan
 * that read the whole table before finding nothing (70 ms at 118,000 events,
 * 235 ms at 590,000), and every subscription runs this after every live poll.
 */
export const ANY_EVENT_AFTER = {
  name: 'event_store_any_event_after_v2',
  text: `SELECT (SELECT e.position FROM event_store.events e WHERE e.position > $1::bigint ORDER BY e.position LIMIT 1) IS NOT NULL AS found`,
};

export const PING = 'SELECT 1';
export const LISTEN = `LISTEN ${APPENDED_CHANNEL}`;
