import type { EventActor } from '../../infrastructure/event-store/event-store.port';

/** Who asked and in which conversation: becomes every new event's metadata. */
export interface CommandContext {
  actor: EventActor;
  correlationId: string;
  /** The id of the event or request that caused this command, if any. */
  causationId: string | null;
  /** W3C traceparent of the active trace, when there is one. */
  traceparent?: string;
  /** The HTTP request's id (X-Request-Id), when a request runs the command. */
  requestId?: string;
  /**
   * Set under an Idempotency-Key: a random value stored with the key, the same
   * on every retry of it. The ids of what the command creates (a new order,
   * its events) are derived from it (derived-ids.ts), so a retry re-decides
   * the same ids and is answered from the stream when the first attempt
   * committed.
   */
  idempotencySeed?: string;
}
