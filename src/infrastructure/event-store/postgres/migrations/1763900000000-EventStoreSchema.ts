import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schema `event_store`: the events, one row per stream with its revision, and
 * the append function. Why positions are `xid * 4096 + index` and why the
 * function takes an advisory lock first is explained at the top of
 * ../postgres-event-store.ts; the SQL below only states the rules.
 */
export class EventStoreSchema1763900000000 implements MigrationInterface {
  name = 'EventStoreSchema1763900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE SCHEMA event_store');
    await runner.query(`
      CREATE TABLE event_store.streams (
        stream_id  text   PRIMARY KEY,
        revision   bigint NOT NULL  -- revision of the stream's last event; -1 while empty (only inside an append)
      )`);
    await runner.query(`
      CREATE TABLE event_store.events (
        position         bigint      PRIMARY KEY,  -- transaction id * 4096 + index of the event in its transaction
        transaction_id   xid8        NOT NULL DEFAULT pg_current_xact_id(),
        stream_id        text        NOT NULL,
        stream_revision  bigint      NOT NULL,
        event_id         uuid        NOT NULL,
        event_type       text        NOT NULL,
        data             jsonb       NOT NULL,
        metadata         jsonb       NOT NULL,
        recorded_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_event_id_unique UNIQUE (event_id),
        CONSTRAINT events_stream_revision_unique UNIQUE (stream_id, stream_revision),
        -- Readers rely on this: a position below xmin * 4096 belongs to a finished transaction.
        CONSTRAINT events_position_in_own_transaction CHECK (position / 4096 = transaction_id::text::bigint)
      )`);
    await runner.query(APPEND_EVENTS_FUNCTION);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP SCHEMA event_store CASCADE');
  }
}

/**
 * One round trip per append. p_expected: -1 = any, -2 = no stream, >= 0 = the
 * revision of the stream's last event. Errors the adapter maps:
 *   ES409 wrong expected revision (DETAIL = actual revision, -1 for none)
 *   ES422 an event id is already in another stream (DETAIL = that stream)
 *   ES413 more than 4096 events in one transaction
 *   40001 this transaction is older than the stream's last append (retry it)
 */
const APPEND_EVENTS_FUNCTION = `
CREATE FUNCTION event_store.append_events(
  p_stream_id text,
  p_expected  bigint,
  p_ids       uuid[],
  p_types     text[],
  p_data      jsonb[],
  p_metadata  jsonb[],
  OUT appended      boolean,
  OUT next_revision bigint,
  OUT last_position bigint
) LANGUAGE plpgsql AS $fn$
DECLARE
  c_slots             CONSTANT bigint := 4096;
  c_lock_class        CONSTANT integer := 1163088210;  -- 'ESTR': keeps stream locks apart from other advisory locks
  v_count             integer := coalesce(cardinality(p_ids), 0);
  -- An xid taken before this call means earlier writes in the same transaction (see the 40001 guard).
  v_had_xid           boolean := pg_current_xact_id_if_assigned() IS NOT NULL;
  v_revision          bigint;
  v_found_here        integer;
  v_found_position    bigint;
  v_found_elsewhere   text;
  v_base              bigint;
  v_index             bigint := 0;
BEGIN
  IF v_count = 0 OR cardinality(p_types) IS DISTINCT FROM v_count OR cardinality(p_data) IS DISTINCT FROM v_count
     OR cardinality(p_metadata) IS DISTINCT FROM v_count OR p_expected < -2 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'append_events: needs 1 or more events, arrays of one length, and p_expected >= -2';
  END IF;

  -- Wait for other appends to this stream BEFORE this transaction takes an xid, so that
  -- the next append to a stream always gets a higher xid, hence higher positions.
  PERFORM pg_advisory_xact_lock(c_lock_class, hashtext(p_stream_id));
  INSERT INTO event_store.streams AS s (stream_id, revision) VALUES (p_stream_id, -1) ON CONFLICT DO NOTHING;
  SELECT s.revision INTO v_revision FROM event_store.streams s WHERE s.stream_id = p_stream_id FOR UPDATE;

  -- Idempotency: ids already here make the append a no-op (all of them) or a conflict (some).
  SELECT count(*) FILTER (WHERE e.stream_id = p_stream_id),
         max(e.position) FILTER (WHERE e.stream_id = p_stream_id),
         min(e.stream_id) FILTER (WHERE e.stream_id <> p_stream_id)
    INTO v_found_here, v_found_position, v_found_elsewhere
    FROM event_store.events e
   WHERE e.event_id = ANY (p_ids);
  IF v_found_elsewhere IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'ES422', DETAIL = v_found_elsewhere,
      MESSAGE = format('append to %s: an event id is already in stream %s', p_stream_id, v_found_elsewhere);
  END IF;
  IF v_found_here = v_count THEN
    appended := false; next_revision := v_revision; last_position := v_found_position;
    RETURN;
  END IF;
  IF v_found_here > 0 OR (p_expected = -2 AND v_revision <> -1) OR (p_expected >= 0 AND p_expected <> v_revision) THEN
    RAISE EXCEPTION USING ERRCODE = 'ES409', DETAIL = v_revision::text,
      MESSAGE = format('append to %s: expected revision %s, actual %s', p_stream_id, p_expected, v_revision);
  END IF;

  v_base := pg_current_xact_id()::text::bigint * c_slots;
  IF v_had_xid THEN
    -- Earlier appends in this transaction used the first slots of its range.
    SELECT coalesce(max(e.position) - v_base + 1, 0) INTO v_index
      FROM event_store.events e
     WHERE e.position >= v_base AND e.position < v_base + c_slots;
    -- This xid was taken before the stream lock, so a younger transaction may have appended first.
    IF EXISTS (SELECT 1 FROM event_store.events e
                WHERE e.stream_id = p_stream_id AND e.stream_revision = v_revision AND e.position >= v_base + c_slots) THEN
      RAISE EXCEPTION USING ERRCODE = '40001',
        MESSAGE = format('append to %s: a younger transaction appended to this stream first; retry the transaction', p_stream_id);
    END IF;
  END IF;
  IF v_index + v_count > c_slots THEN
    RAISE EXCEPTION USING ERRCODE = 'ES413',
      MESSAGE = format('append to %s: at most %s events fit in one transaction, this one would hold %s', p_stream_id, c_slots, v_index + v_count);
  END IF;

  INSERT INTO event_store.events (position, stream_id, stream_revision, event_id, event_type, data, metadata)
  SELECT v_base + v_index + u.ord - 1, p_stream_id, v_revision + u.ord, u.id, u.type, u.data, u.metadata
    FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u(id, type, data, metadata, ord);
  UPDATE event_store.streams s SET revision = v_revision + v_count WHERE s.stream_id = p_stream_id;
  PERFORM pg_notify('event_store_appended', '');

  appended := true; next_revision := v_revision + v_count; last_position := v_base + v_index + v_count - 1;
END
$fn$`;
