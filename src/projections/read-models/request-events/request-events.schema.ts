/**
 * DDL of the request-events read model, as a function of the table-name
 * suffix (live tables '' or a rebuild's '_rebuild'), like orders-current.
 */

/** Which events each HTTP request appended: support's way from a request id to what it changed. */
export const REQUEST_EVENTS = 'request_events';

export function createRequestEventsTable(suffix: string): string {
  const table = `${REQUEST_EVENTS}${suffix}`;
  // The primary key is the lookup's index: one request's events, in global order.
  return `
    CREATE TABLE ${table} (
      request_id   text        NOT NULL,  -- metadata.requestId (X-Request-Id of the request)
      position     bigint      NOT NULL,  -- global position of the event
      stream_id    text        NOT NULL,
      revision     bigint      NOT NULL,
      type         text        NOT NULL,
      order_id     uuid,                  -- null for a stream that is not an order's
      occurred_at  timestamptz NOT NULL,  -- metadata.occurredAt
      CONSTRAINT ${table}_pkey PRIMARY KEY (request_id, position)
    )`;
}
