import type { ClientBase } from 'pg';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/** A connection inside the projector's (or the rebuild's) transaction. */
export type SqlClient = Pick<ClientBase, 'query'>;

export interface ApplyResult {
  /** Rows written (inserted or updated) by this batch. */
  rowsChanged: number;
}

/**
 * A read model the projector keeps: tables it owns, how to create them, and
 * how a batch of events changes them. The projector calls `apply` for every
 * read model inside ONE transaction that also moves the checkpoint, so a
 * batch lands in every read model exactly once or not at all.
 *
 * `suffix` names the set of tables to write: '' for the live tables,
 * '_rebuild' while `npm run projections:rebuild` builds fresh ones.
 */
export interface ReadModel {
  readonly name: string;
  /** Base names of its tables; a rebuild creates `<table><suffix>` and renames them over the live ones. */
  readonly tables: readonly string[];
  /** Creates its tables with their primary keys (no secondary indexes). */
  createTables(client: SqlClient, suffix: string): Promise<void>;
  /** Creates the secondary indexes (after a rebuild's bulk load). */
  createIndexes(client: SqlClient, suffix: string): Promise<void>;
  /**
   * Applies a batch of events in global order, inside the caller's
   * transaction. An event it cannot apply throws (UnprocessableEventError
   * when the read model can say which); the projector then parks that event
   * and applies the rest (see apply-batch.ts).
   */
  apply(client: SqlClient, events: readonly RecordedEvent[], suffix: string): Promise<ApplyResult>;
  /**
   * Support's retry of a parked event: replaces what the read model holds for
   * one stream by a fold of `events` (the stream's events up to the
   * checkpoint, without those still parked or skipped), inside the caller's
   * transaction. Without it, the retry applies the parked event alone.
   */
  reproject?(client: SqlClient, streamId: string, events: readonly RecordedEvent[], suffix: string): Promise<ApplyResult>;
}
