import { REQUEST_EVENTS } from './request-events.schema';

interface Statement {
  name: string;
  text: string;
}

const memo = new Map<string, Statement>();
function insertStatement(suffix: string): Statement {
  let found = memo.get(suffix);
  if (!found) {
    const table = `${REQUEST_EVENTS}${suffix}`;
    found = {
      name: `request_events_insert${suffix}_v1`,
      // Re-applying a batch after a crash (or a rebuild) writes the same rows: no-op on the key.
      text: `
        INSERT INTO ${table} (request_id, position, stream_id, revision, type, order_id, occurred_at)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::uuid[], $7::timestamptz[])
        ON CONFLICT (request_id, position) DO NOTHING`,
    };
    memo.set(suffix, found);
  }
  return found;
}

export const insertRequestEvents = insertStatement;

/** Row shape of EVENTS_OF_REQUEST. */
export interface RequestEventRow {
  request_id: string;
  position: string;
  stream_id: string;
  revision: string;
  type: string;
  order_id: string | null;
  occurred_at: string;
}

/** $1 request id, $2 limit: the events one request appended, in global order (a primary key range). */
export const EVENTS_OF_REQUEST: Statement = {
  name: 'request_events_of_request_v1',
  text: `
    SELECT request_id, position::text AS position, stream_id, revision::text AS revision, type,
           order_id::text AS order_id, occurred_at::text AS occurred_at
      FROM ${REQUEST_EVENTS}
     WHERE request_id = $1
     ORDER BY request_events.position
     LIMIT $2`,
};
