import { EventStoreUnavailableError, type ExpectedRevision, WrongExpectedRevisionError } from '../event-store.port';
import { SLOTS_PER_TRANSACTION } from './queries';

/** An event id (a client UUID, unique across the store) is already in another stream: a client bug, not a retry. */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(
    readonly streamId: string,
    /** The stream that already holds the id, when the database said which. */
    readonly existingStreamId: string | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `append to ${streamId}: an event id is already used${existingStreamId ? ` in stream ${existingStreamId}` : ' by another stream'}; ` +
        'event ids must be new UUIDs (a retry must resend the same events to the same stream)',
      options,
    );
  }
}

/** One transaction holds at most SLOTS_PER_TRANSACTION events (the position encoding's limit). */
export class TooManyEventsError extends Error {
  override readonly name = 'TooManyEventsError';
  constructor(streamId: string, detail: string, options?: ErrorOptions) {
    super(`append to ${streamId}: at most ${SLOTS_PER_TRANSACTION} events fit in one transaction (${detail})`, options);
  }
}

/** SQLSTATEs raised by event_store.append_events (see the migration). */
const WRONG_EXPECTED_REVISION = 'ES409';
const EVENT_ID_IN_OTHER_STREAM = 'ES422';
const TOO_MANY_EVENTS = 'ES413';
const UNIQUE_VIOLATION = '23505';
const EVENT_ID_CONSTRAINT = 'events_event_id_unique';

/** Node socket errors: the server could not be reached or dropped the connection. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATEs of a server that is going away or refusing connections (class 08 is checked separately). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

interface PgErrorFields {
  code?: unknown;
  detail?: unknown;
  constraint?: unknown;
  message?: unknown;
}

function fields(error: unknown): PgErrorFields {
  return typeof error === 'object' && error !== null ? error : {};
}

/** True when the database is away (not when a statement failed): worth retrying later, reported as unavailable. */
export function isConnectionError(error: unknown): boolean {
  const { code, message } = fields(error);
  if (typeof code === 'string') return NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08');
  // pg's own client-side failures carry no code.
  return typeof message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(message);
}

/** The port's error for an outage, anything else unchanged. */
export function toEventStoreError(error: unknown): unknown {
  if (isConnectionError(error)) {
    return new EventStoreUnavailableError(`event store (PostgreSQL) unavailable: ${String(fields(error).message ?? error)}`, { cause: error });
  }
  return error;
}

/** Maps what append_events raises to the port's (and this adapter's) typed errors. */
export function toAppendError(error: unknown, streamId: string, expected: ExpectedRevision): unknown {
  const { code, detail, constraint } = fields(error);
  switch (code) {
    case WRONG_EXPECTED_REVISION:
      return new WrongExpectedRevisionError(streamId, expected, BigInt(String(detail)));
    case EVENT_ID_IN_OTHER_STREAM:
      return new DuplicateEventIdError(streamId, typeof detail === 'string' ? detail : undefined, { cause: error });
    case TOO_MANY_EVENTS:
      return new TooManyEventsError(streamId, 'earlier appends in this transaction used the rest', { cause: error });
    case UNIQUE_VIOLATION:
      // Two appends racing to put the same id into different streams: the loser lands here.
      if (constraint === EVENT_ID_CONSTRAINT) return new DuplicateEventIdError(streamId, undefined, { cause: error });
      return error;
    default:
      return toEventStoreError(error);
  }
}
