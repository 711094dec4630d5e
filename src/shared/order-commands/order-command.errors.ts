/**
 * The order command service's own refusals, beside the decider's
 * (order-lifecycle/errors.ts) and OrderStreamCorruptError. They know nothing
 * of HTTP: order-error-translator.ts, registered with the one exception
 * filter, gives each its status and code.
 */

/**
 * The order does not exist, or the caller's access policy does not let it
 * see the order: one answer for both (404 ORDER_NOT_FOUND), so ids cannot
 * be probed.
 */
export class NoSuchOrderError extends Error {
  override readonly name = 'NoSuchOrderError';
  readonly code = 'ORDER_NOT_FOUND';

  constructor(readonly orderId: string) {
    super('no such order');
  }
}

/**
 * The order's stream kept changing between read and append, more times than
 * the command is re-decided (COMMAND_RETRIES): the client may simply send it
 * again (409 CONCURRENT_MODIFICATION, which an Idempotency-Key does not store).
 */
export class ConcurrentModificationError extends Error {
  override readonly name = 'ConcurrentModificationError';
  readonly code = 'CONCURRENT_MODIFICATION';
  static readonly MESSAGE = 'the order changed while this command was decided; retry';

  constructor(
    readonly orderId: string | null,
    /** How many times the command was decided, when known. */
    readonly attempts?: number,
  ) {
    super(ConcurrentModificationError.MESSAGE);
  }

  get details(): Record<string, unknown> | undefined {
    return this.attempts === undefined ? undefined : { attempts: this.attempts };
  }
}
