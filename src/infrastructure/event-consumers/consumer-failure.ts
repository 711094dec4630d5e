import { isDatabaseUnavailable, isStatementTimeout } from '../database/connection-errors';
import { EventStoreUnavailableError, type RecordedEvent } from '../event-store/event-store.port';

/**
 * A consumer's verdict on one event: it cannot be applied as it is (its
 * shape, a value the read model cannot store). Thrown by the consumer's own
 * code so the runtime can park exactly that event without searching for it.
 */
export class UnprocessableEventError extends Error {
  override readonly name = 'UnprocessableEventError';
  constructor(
    readonly event: RecordedEvent,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Is this failure the event's fault (park the event and carry on) or the
 * world's (retry the same events later)? Only failures an event can cause
 * park it: the consumer's own verdict, a data exception or constraint
 * violation from PostgreSQL (SQLSTATE classes 22, 23: a value that does not
 * fit), or an error thrown while folding (a TypeError on a missing field).
 * Anything that says the database or the event store is away, slow, busy or
 * misconfigured (connection, timeout, serialization, lock, resources,
 * undefined table...) is retried: parking would set aside good events.
 */
export function isPoisonFailure(error: unknown, options: { plainErrors?: boolean } = {}): boolean {
  if (error instanceof UnprocessableEventError) return true;
  if (error instanceof EventStoreUnavailableError || isDatabaseUnavailable(error) || isStatementTimeout(error)) return false;
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('22') || state.startsWith('23');
  // No SQLSTATE. A Node system error (ECONNRESET...) is the world's. A plain JS error thrown while folding comes
  // from our code on this event (a read model's fold: plainErrors); elsewhere (a job queue's client) it may not.
  const code = (error as { code?: unknown } | null)?.code;
  return (options.plainErrors ?? true) && error instanceof Error && (code === undefined || code === null);
}

/** One line for logs and the parked row: the message, with the SQLSTATE when PostgreSQL raised it. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const state = sqlState(error);
  return state ? `${message} (SQLSTATE ${state})` : message;
}

/** The SQLSTATE of a pg error, through TypeORM's QueryFailedError (driverError) and `cause` chains. */
function sqlState(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const { code, driverError, cause } = error as { code?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  return sqlState(driverError, depth + 1) ?? sqlState(cause, depth + 1);
}
