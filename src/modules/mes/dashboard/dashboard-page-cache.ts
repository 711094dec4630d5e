import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Lsn } from '../../../infrastructure/database/read-replicas/lsn';
import { OrderChangeFeed, ReadModelDatabase } from '../../../projections';

/** Distinct queries kept (statuses x search x cursor x limit); the oldest is dropped beyond this. */
const MAX_ENTRIES = 256;
/** A safety net only: every committed projector batch already clears the cache. */
const MAX_AGE_MS = 5_000;

/** A position no replica has replayed: when the primary's position cannot be read, pages come from the primary. */
const PRIMARY_ONLY: Lsn = 1n << 64n;

/** Where the primary's WAL is now (ReadModelDatabase; a stand-in in unit tests). */
export interface WalPositions {
  positionNow(): Promise<Lsn | undefined>;
}

interface Entry<T> {
  value: Promise<T>;
  storedAt: number;
}

/**
 * The dashboard's pages, kept in the process until the read model changes.
 * Fifty operators' tablets polling the same first page would otherwise run
 * the same two queries fifty times between two changes; on 2 cores that
 * queue is what made the page slow (bench/dashboard).
 *
 * Correctness rests on OrderChangeFeed: the projector leader NOTIFYs after
 * each committed batch and every replica LISTENs, so every change clears
 * every replica's cache, and a page is never older than the notification of
 * the batch that changed it (the projection lag, which readiness bounds).
 * While the LISTEN connection is down, or before it is up, nothing is cached
 * or served from the cache. Concurrent requests for the same page share one
 * query. A query that started before a change is not kept after it: the
 * change clears the map, so its answer is delivered to its waiters only.
 *
 * With read replicas, a page must not be read from a replica that has not yet
 * replayed the change that cleared the cache (it would be kept, stale, until
 * the next change). So each clear takes the primary's WAL position, which is
 * past that change's commit, and the loads that follow read only from a
 * replica that has replayed that far (or from the primary).
 */
@Injectable()
export class DashboardPageCache implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry<unknown>>();
  private unsubscribe: (() => void) | undefined;
  private hits = 0;
  private misses = 0;

  /** The primary's position at the last clear: what a replica must have replayed for its pages to be kept. */
  private mustHaveReplayed: Promise<Lsn | undefined> | undefined;

  constructor(
    private readonly feed: OrderChangeFeed,
    @Inject(ReadModelDatabase) private readonly positions: WalPositions,
  ) {}

  /** The cached answer for `key`, or `load()`'s (kept for the next callers until the read model changes). */
  get<T>(key: string, load: (mustHaveReplayed: Lsn | undefined) => Promise<T>): Promise<T> {
    if (!this.unsubscribe) {
      this.unsubscribe = this.feed.subscribe(() => this.clear());
      this.mustHaveReplayed = this.positionNow();
    }
    if (!this.feed.listening) {
      this.misses++;
      // Not kept: any replica within the lag limit may answer.
      return load(undefined);
    }
    const now = Date.now();
    const entry = this.entries.get(key) as Entry<T> | undefined;
    if (entry && now - entry.storedAt < MAX_AGE_MS) {
      this.hits++;
      return entry.value;
    }
    this.misses++;
    const value = this.mustHaveReplayed!.then(load);
    const stored: Entry<T> = { value, storedAt: now };
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, stored);
    // A failed query is not an answer to keep.
    value.catch(() => {
      if (this.entries.get(key) === stored) this.entries.delete(key);
    });
    return value;
  }

  private clear(): void {
    this.entries.clear();
    this.mustHaveReplayed = this.positionNow();
  }

  private positionNow(): Promise<Lsn | undefined> {
    return this.positions.positionNow().catch(() => PRIMARY_ONLY);
  }

  /** Hits and misses since start (for the benchmark and the tests). */
  stats(): { hits: number; misses: number; entries: number } {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.entries.clear();
  }
}
