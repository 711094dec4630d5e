import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { OrderChangeFeed } from './order-change-feed';
import { ReadModelDatabase } from './read-model-database';

/** $1 position (exclusive), $2 limit: orders whose row changed after a position, oldest change first (orders_current_position_idx). */
export const ORDER_REVISIONS_CHANGED_SINCE = {
  name: 'order_revisions_changed_since_v1',
  text: `SELECT order_id::text AS order_id, revision::text AS revision, last_position::text AS last_position
           FROM orders_current WHERE last_position > $1::bigint ORDER BY last_position LIMIT $2::integer`,
};
export const LATEST_ORDER_CHANGE = {
  name: 'order_revisions_latest_change_v1',
  text: `SELECT coalesce(max(last_position), -1)::text AS position FROM orders_current`,
};

/** Changed rows read per query; more are read in further queries of the same round. */
const CHANGES_PER_QUERY = 2_000;

interface Waiter {
  afterRevision: number;
  resolve: (changed: boolean) => void;
}

/**
 * Long polling (`?changedAfter=&wait=`): callers wait until an order's
 * projected revision passes a number. Driven by the projector's change
 * notifications (OrderChangeFeed, the ones the dashboard uses), not by a query
 * per waiter: each committed batch costs one query for the rows it changed,
 * however many callers wait, and none while nobody waits.
 *
 * Nothing is missed between a caller's own read and its wait, if the caller
 * starts waiting (after `ready()`) before it reads the order: a change its read
 * did not see is appended after the wait began, so it is projected and checked
 * after it (the caller stops waiting as soon as its read shows the change).
 */
@Injectable()
export class OrderRevisionWaiters implements OnModuleDestroy {
  private readonly logger = new Logger('OrderRevisionWaiters');
  private readonly waiters = new Map<string, Set<Waiter>>();
  private watchedFrom: bigint | undefined;
  private starting: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private checking = false;
  private checkAgain = false;

  constructor(
    private readonly feed: OrderChangeFeed,
    private readonly database: ReadModelDatabase,
  ) {}

  /** Resolves once changes are watched (the LISTEN is up and the starting position known). */
  ready(): Promise<void> {
    this.starting ??= this.start().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /**
   * True once the order's projected revision is above `afterRevision`; false when
   * `timeoutMs` passes or `signal` aborts first. Call after `ready()`, before reading the order.
   */
  waitFor(orderId: string, afterRevision: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.waiters.get(orderId) ?? new Set<Waiter>();
      this.waiters.set(orderId, set);
      const done = (changed: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        set.delete(waiter);
        if (set.size === 0 && this.waiters.get(orderId) === set) this.waiters.delete(orderId);
        resolve(changed);
      };
      const waiter: Waiter = { afterRevision, resolve: done };
      const aborted = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      signal?.addEventListener('abort', aborted, { once: true });
      set.add(waiter);
      if (signal?.aborted) done(false);
    });
  }

  /** How many callers wait now (a gauge for the long-poll connections). */
  get waiting(): number {
    let count = 0;
    for (const set of this.waiters.values()) count += set.size;
    return count;
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    for (const set of this.waiters.values()) for (const waiter of [...set]) waiter.resolve(false);
  }

  private async start(): Promise<void> {
    this.unsubscribe ??= this.feed.subscribe((position) => this.changed(position));
    await this.feed.ready();
    if (this.watchedFrom === undefined) {
      const [row] = await this.database.query<{ position: string }>(LATEST_ORDER_CHANGE, []);
      this.watchedFrom ??= BigInt(row?.position ?? '-1');
    }
  }

  private changed(batchEnd: bigint | undefined): void {
    if (this.watchedFrom === undefined) return;
    // Nobody waits: move on without a query (the batch's last position is where its changes end).
    if (this.waiters.size === 0 && batchEnd !== undefined && !this.checking) {
      if (batchEnd > this.watchedFrom) this.watchedFrom = batchEnd;
      return;
    }
    void this.check();
  }

  /** One round at a time; notifications during a round make one more. */
  private async check(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.checkAgain = false;
        for (;;) {
          const rows = await this.database.query<{ order_id: string; revision: string; last_position: string }>(ORDER_REVISIONS_CHANGED_SINCE, [
            String(this.watchedFrom),
            CHANGES_PER_QUERY,
          ]);
          for (const row of rows) {
            this.watchedFrom = BigInt(row.last_position);
            const set = this.waiters.get(row.order_id);
            if (!set) continue;
            const revision = Number(row.revision);
            for (const waiter of [...set]) if (revision > waiter.afterRevision) waiter.resolve(true);
          }
          if (rows.length < CHANGES_PER_QUERY) break;
        }
      } while (this.checkAgain);
    } catch (error) {
      // The waiters' own timeouts still answer them; the next notification tries again.
      this.logger.warn(`reading changed orders failed: ${String(error)}`);
    } finally {
      this.checking = false;
    }
  }
}
