import { Injectable } from '@nestjs/common';

/**
 * Whether this process is shutting down, and how much of its grace period
 * is left. Readiness reads it (false from the first moment), the pricing
 * queue sizes its drain by it.
 */
@Injectable()
export class ShutdownState {
  private deadline: number | undefined;
  private readonly listeners: Array<() => void> = [];

  get stopping(): boolean {
    return this.deadline !== undefined;
  }

  /** Starts the clock and tells the listeners; a second call keeps the first deadline. */
  begin(graceMs: number): void {
    if (this.deadline !== undefined) return;
    this.deadline = Date.now() + graceMs;
    for (const listener of this.listeners.splice(0)) listener();
  }

  /**
   * Called once when shutdown begins, before the listener closes: for
   * long-lived responses (server-sent events) that would otherwise hold the
   * HTTP drain until its bound. Their clients reconnect to another replica.
   */
  onStopping(listener: () => void): void {
    if (this.stopping) listener();
    else this.listeners.push(listener);
  }

  /** Milliseconds left before the process is exited by force, minus `reserveMs` for whatever comes after the caller. */
  remainingMs(reserveMs = 0): number | undefined {
    return this.deadline === undefined ? undefined : Math.max(0, this.deadline - Date.now() - reserveMs);
  }
}
