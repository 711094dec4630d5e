/**
 * Who did something: every event's metadata and every command carry one.
 * Kernel types (the decider's rules name roles); the event store port
 * re-uses them for its envelope, so the dependency points down into the kernel.
 */

export type ActorRole = 'customer' | 'seller' | 'operator' | 'support' | 'admin' | 'partner' | 'carrier' | 'pricing' | 'system';

export interface EventActor {
  role: ActorRole;
  /** Opaque id (JWT `sub`, API key id, `pricing-worker`); never a name or e-mail. */
  id: string;
}
