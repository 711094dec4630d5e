import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  NotLeaderError,
  StreamDeletedError,
  StreamTombstonedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
} from '@kurrent/kurrentdb-client';
import { EventStoreUnavailableError } from '../event-store.port';

/**
 * How the client's errors become the port's. Two paths report differently
 * in @kurrent/kurrentdb-client 1.3:
 * - reads (readStream, readAll) go through the native bridge, which names
 *   only connection failures UnavailableError and reports a server-side
 *   Unavailable, Internal or DeadlineExceeded status as UnknownError
 *   ("Unmapped gRPC error: code: The service is currently unavailable, ...");
 * - appends and subscriptions go through grpc-js, where Unavailable,
 *   Internal and DataLoss are UnavailableError, a deadline is
 *   DeadlineExceededError and a server commit timeout is DeadlineExceededError
 *   or TimeoutError.
 * Either way the store, not the request, is at fault: the command answers
 * 503 EVENT_STORE_UNAVAILABLE (error-mapping.ts) and the caller retries.
 */

/** An append that failed this way may still have been written: its outcome must be read back. */
export function isOutcomeUnknown(error: unknown): boolean {
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof CancelledError ||
    error instanceof UnknownError ||
    error instanceof ReadDeadlineError
  );
}

/** Our own deadline on a read: the native bridge takes none, so a stalled read would hang a command. */
export class ReadDeadlineError extends Error {
  override readonly name = 'ReadDeadlineError';
  constructor(what: string, deadlineMs: number) {
    super(`${what}: no answer within ${deadlineMs} ms`);
  }
}

/**
 * An event of $all whose commit and prepare positions differ: written by an
 * explicit (legacy TCP) transaction, whose events share one commit position.
 * The port's single bigint position cannot resume inside such a group, so
 * the adapter stops rather than skip the rest of a transaction at a page or
 * batch boundary. See docs/OPERATIONS.md, "KurrentDB before going live".
 */
export class ExplicitTransactionPositionError extends Error {
  override readonly name = 'ExplicitTransactionPositionError';
  constructor(
    readonly eventId: string,
    readonly streamId: string,
    readonly commit: bigint,
    readonly prepare: bigint,
  ) {
    super(
      `KurrentDB event ${eventId} in ${streamId} has commit position ${commit} but prepare position ${prepare}: ` +
        'it was written by an explicit transaction, which this adapter cannot page through without skipping events; ' +
        're-import such streams with plain appends (see docs/OPERATIONS.md)',
    );
  }
}

/** The port's error for a client error that means "the store cannot serve this now"; anything else unchanged. */
export function toEventStoreError(error: unknown): unknown {
  if (error instanceof EventStoreUnavailableError) return error;
  const reason = unavailableReason(error);
  if (reason === undefined) return error;
  const detail = error instanceof Error && error.message ? `: ${error.message}` : '';
  return new EventStoreUnavailableError(`event store (KurrentDB) ${reason}${detail}`, { cause: error });
}

function unavailableReason(error: unknown): string | undefined {
  if (error instanceof ReadDeadlineError) return 'did not answer in time';
  if (error instanceof UnavailableError) return 'unavailable';
  if (error instanceof DeadlineExceededError || error instanceof TimeoutError) return 'did not answer in time';
  if (error instanceof NotLeaderError) return 'answered from a follower (leader election in progress?)';
  // A misconfigured user or ACL: the store is unusable for this app, not the request wrong.
  if (error instanceof AccessDeniedError) return 'denied access (check the credentials in EVENTSTORE_URL and the ACL of its user)';
  // Order streams are never deleted by the app; an operator did it. Nothing the caller can fix.
  if (error instanceof StreamDeletedError || error instanceof StreamTombstonedError) return 'holds a deleted stream';
  if (error instanceof CancelledError) return 'cancelled the call';
  // The bridge's catch-all: server-side Unavailable/Internal/DeadlineExceeded and transport failures land here.
  if (error instanceof UnknownError) return 'failed';
  return undefined;
}
