import type { RecordedEvent, Subscription, SubscriptionHandler } from '../event-store.port';
import { isConnectionError } from './postgres-errors';

/** What a subscription needs from the store: the bounded read and the "anything newer at all?" probe. */
export interface PollSource {
  /** Visible events after `position` (exclusive), in position order. */
  readAfter(position: bigint, limit: number): Promise<RecordedEvent[]>;
  /** Whether any committed event lies after `position`, visible yet or not. */
  hasEventsAfter(position: bigint): Promise<boolean>;
}

export interface SubscriptionLogger {
  warn(message: string): void;
}

export interface PostgresSubscriptionOptions {
  /** Exclusive; -1n for the beginning (positions are never negative). */
  fromPosition: bigint;
  batchSize: number;
  /** The fallback poll when no notification comes. */
  pollIntervalMs: number;
}

/**
 * Waiting for an older transaction to finish: 5 ms, doubling up to 40 ms.
 * The holder is usually some other short write (a job queue, a checkpoint)
 * that sends no notification, so only a re-check sees it end. Both checks
 * are index probes, so re-checking often is cheap, and a holder that lasts
 * a little longer costs live delivery at most 40 ms more, not 200.
 */
const FIRST_PENDING_DELAY_MS = 5;
const MAX_PENDING_DELAY_MS = 40;
/** Waiting for the database to come back. */
const FIRST_OUTAGE_DELAY_MS = 100;
const MAX_OUTAGE_DELAY_MS = 5_000;

/** Marks an error thrown by the subscriber's own code: it stops the subscription instead of being retried. */
class HandlerFailure extends Error {
  constructor(readonly error: unknown) {
    super('event handler failed', { cause: error });
  }
}

/**
 * A wake-up flag: `notify` (a notification, a reconnect, stop) ends the
 * current `wait`, or the next one when nobody is waiting. `clear` is called
 * just before each query, so a notification that arrives while the query
 * runs triggers one more poll instead of being lost.
 */
class WakeSignal {
  private pending = false;
  private interrupt: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    this.interrupt?.();
  }

  clear(): void {
    this.pending = false;
  }

  async wait(ms: number): Promise<void> {
    if (this.pending) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.interrupt = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.interrupt = undefined;
  }
}

type PollOutcome = 'caught-up' | 'behind-open-transaction';

/**
 * Catch-up then live delivery for one subscriber, as a single loop: poll
 * batches until the visible events are exhausted, then sleep until a
 * notification, a short retry (an older transaction still hides newer
 * events) or the fallback poll. One loop means batches are handed over in
 * order and never concurrently; the checkpoint only moves after the handler
 * has returned, so an outage or restart resumes without gaps.
 */
export class PostgresSubscription implements Subscription {
  private checkpoint: bigint;
  private stopped = false;
  private caughtUpReported = false;
  private readonly wake = new WakeSignal();
  private readonly done: Promise<void>;

  constructor(
    private readonly source: PollSource,
    private readonly options: PostgresSubscriptionOptions,
    private readonly handler: SubscriptionHandler,
    private readonly logger: SubscriptionLogger,
    /** Registers the wake-up callback with the LISTEN connection; returns the remover. */
    listen: (wake: () => void) => () => void,
  ) {
    this.checkpoint = options.fromPosition;
    const unlisten = listen(() => this.wake.notify());
    this.done = this.run().finally(unlisten);
  }

  /** Settles when the loop has ended (stopped, or failed and reported through onError). */
  get finished(): Promise<void> {
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.notify();
    await this.done;
  }

  private async run(): Promise<void> {
    let pendingDelay = FIRST_PENDING_DELAY_MS;
    let outageDelay = FIRST_OUTAGE_DELAY_MS;
    while (!this.stopped) {
      try {
        const outcome = await this.pollUntilExhausted();
        outageDelay = FIRST_OUTAGE_DELAY_MS;
        if (outcome === 'caught-up') {
          pendingDelay = FIRST_PENDING_DELAY_MS;
          this.reportCaughtUp();
          await this.wake.wait(this.options.pollIntervalMs);
        } else {
          await this.wake.wait(pendingDelay);
          pendingDelay = Math.min(pendingDelay * 2, MAX_PENDING_DELAY_MS);
        }
      } catch (error) {
        if (error instanceof HandlerFailure) return this.fail(error.error);
        if (!isConnectionError(error)) return this.fail(error);
        this.logger.warn(`event store subscription: database unavailable, retrying in ${outageDelay} ms: ${String(error)}`);
        await this.wake.wait(outageDelay);
        outageDelay = Math.min(outageDelay * 2, MAX_OUTAGE_DELAY_MS);
      }
    }
  }

  /** Delivers batches until a read comes back short, then tells whether newer events are still hidden. */
  private async pollUntilExhausted(): Promise<PollOutcome> {
    for (;;) {
      this.wake.clear();
      const events = await this.source.readAfter(this.checkpoint, this.options.batchSize);
      if (this.stopped) return 'caught-up';
      if (events.length > 0) await this.deliver(events);
      if (events.length < this.options.batchSize || this.stopped) break;
    }
    // Short read: either everything is delivered, or an older transaction is
    // still open (or just aborted without notifying) and hides newer events.
    return (await this.source.hasEventsAfter(this.checkpoint)) ? 'behind-open-transaction' : 'caught-up';
  }

  private async deliver(events: RecordedEvent[]): Promise<void> {
    try {
      await this.handler.onEvents(events);
    } catch (error) {
      throw new HandlerFailure(error);
    }
    this.checkpoint = events[events.length - 1]!.position;
    this.caughtUpReported = false;
  }

  /** Once per arrival at the head: after new events, or the first time. */
  private reportCaughtUp(): void {
    if (this.caughtUpReported || this.stopped) return;
    this.caughtUpReported = true;
    try {
      this.handler.onCaughtUp?.(this.checkpoint < 0n ? undefined : this.checkpoint);
    } catch (error) {
      throw new HandlerFailure(error);
    }
  }

  private fail(error: unknown): void {
    this.stopped = true;
    try {
      if (this.handler.onError) return this.handler.onError(error);
    } catch (onErrorFailure) {
      // The loop's promise must not reject: nobody may be awaiting it.
      this.logger.warn(`event store subscription: onError threw: ${String(onErrorFailure)}`);
    }
    this.logger.warn(`event store subscription stopped: ${String(error)}`);
  }
}
