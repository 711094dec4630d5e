export interface AppendNotifierLogger {
  warn(message: string): void;
}

/**
 * Tells LISTENers "something was appended" after appends commit: one NOTIFY
 * for all appends that finish within `delayMs`, and at most one in flight.
 *
 * Why not NOTIFY inside each append: PostgreSQL takes one cluster-wide lock
 * for every transaction that notified (PreCommit_Notify) and holds it until
 * that transaction has committed, WAL flush included. Notifying appends
 * therefore committed one at a time, with no group commit: appends were stuck
 * at ~2,000/s from 1 to 32 writers, waiting on `Lock:object` (bench/event-store).
 *
 * Why coalesce: a NOTIFY is a transaction of its own, and each one wakes every
 * subscriber of every replica to poll. One per append doubled the statements
 * of a lone writer; one per `delayMs` (default 5 ms) costs live delivery at
 * most that much latency.
 *
 * The guarantee subscribers need still holds: every append is followed by a
 * NOTIFY sent after it committed. An append that finishes while a NOTIFY is
 * pending or in flight (which may have started before it committed) makes one
 * more follow. The NOTIFY commits asynchronously (synchronous_commit off for
 * that transaction alone): it carries no data, and a crash that loses it also
 * drops the LISTEN connection, whose reconnect wakes every subscriber anyway.
 */
export class AppendNotifier {
  private requested = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    /** Runs NOTIFY_APPENDED (queries.ts) on a pooled connection. */
    private readonly sendNotify: () => Promise<unknown>,
    private readonly logger: AppendNotifierLogger,
    private readonly delayMs: number,
  ) {}

  /** Call after an append has committed. Never throws, never waits. */
  appended(): void {
    this.requested = true;
    if (this.timer === undefined && this.inFlight === undefined) this.schedule();
  }

  /** Sends what is pending now and resolves when no NOTIFY is in flight (call before ending the pool). */
  async drain(): Promise<void> {
    while (this.timer !== undefined || this.inFlight !== undefined) {
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.inFlight = this.send();
      }
      await this.inFlight;
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.send();
    }, this.delayMs);
  }

  private async send(): Promise<void> {
    this.requested = false;
    try {
      await this.sendNotify();
    } catch (error) {
      // Subscribers still get the events from their fallback poll; a database that is down fails the appends too.
      this.logger.warn(`event store: NOTIFY after append failed: ${String(error)}`);
    }
    this.inFlight = undefined;
    if (this.requested && this.timer === undefined) this.schedule();
  }
}
