import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/** Where in a stream an event this version cannot read sits, and why (support's history shows the same). */
export interface UnreadableEvent {
  position: bigint;
  revision: bigint;
  type: string;
  problem: string;
}

export function unreadableEvent(event: RecordedEvent, problem: string): UnreadableEvent {
  return { position: event.position, revision: event.revision, type: event.type, problem };
}

/**
 * The order's stream holds an event this version cannot fold (written by a
 * bad producer or old code; see orderEventProblem). Reads and commands
 * answer 409 ORDER_STREAM_CORRUPT naming it, rather than a 500 or a state
 * built on a guess; the projector and the pricing subscriber park the same
 * event, and support sees it in the order's history and diagnosis.
 */
export class OrderStreamCorruptError extends Error {
  override readonly name = 'OrderStreamCorruptError';
  readonly code = 'ORDER_STREAM_CORRUPT';

  constructor(
    readonly orderId: string,
    readonly unreadable: UnreadableEvent,
  ) {
    super(
      `order ${orderId} cannot be read: its event at position ${unreadable.position} (revision ${unreadable.revision}, ${unreadable.type}) is unreadable: ${unreadable.problem}. ` +
        'Support has to repair it; see the order diagnosis.',
    );
  }

  get details(): Record<string, unknown> {
    const { position, revision, type, problem } = this.unreadable;
    return { orderId: this.orderId, position: String(position), revision: Number(revision), eventType: type, problem };
  }
}
