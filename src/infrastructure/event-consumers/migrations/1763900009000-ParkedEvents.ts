import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events an event consumer (the projector, the pricing subscriber) could not
 * apply and set aside so that it could carry on: one row per consumer and
 * position. See ../parked-events.queries.ts.
 */
export class ParkedEvents1763900009000 implements MigrationInterface {
  name = 'ParkedEvents1763900009000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE parked_events (
        consumer     text        NOT NULL,  -- 'read-models' (the projector), 'pricing-jobs' (the pricing subscriber)
        position     bigint      NOT NULL,  -- global position of the event in the event store
        stream_id    text        NOT NULL,
        revision     bigint      NOT NULL,
        event_id     text        NOT NULL,
        event_type   text        NOT NULL,
        error        text        NOT NULL,  -- the latest failure
        state        text        NOT NULL DEFAULT 'parked' CHECK (state IN ('parked', 'resolved', 'skipped')),
        attempts     integer     NOT NULL DEFAULT 1,  -- failures so far (parking, failed retries)
        parked_at    timestamptz NOT NULL DEFAULT now(),
        resolved_at  timestamptz,
        resolved_by  text,                  -- opaque id of who retried or skipped it ('rebuild' for a rebuild)
        PRIMARY KEY (consumer, position)
      )`);
    await runner.query('CREATE INDEX parked_events_stream ON parked_events (stream_id)');
    await runner.query(`CREATE INDEX parked_events_open ON parked_events (consumer, position) WHERE state = 'parked'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE parked_events');
  }
}
