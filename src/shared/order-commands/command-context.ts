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
}

/** The decision's metadata: the clock is read here, at the edge, never in the domain. */
export function commandMetadata(context: CommandContext): { now: string; actor: EventActor } {
  return { now: new Date().toISOString(), actor: context.actor };
}
