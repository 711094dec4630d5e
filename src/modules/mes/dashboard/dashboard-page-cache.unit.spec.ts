import type { OrderChangeFeed, OrderChangeListener } from '../../../projections';
import { DashboardPageCache } from './dashboard-page-cache';

/** Stands in for the LISTEN connection: the test says when a batch was committed and whether it is connected. */
class FeedStandIn {
  listening = true;
  private readonly listeners = new Set<OrderChangeListener>();
  subscribe(listener: OrderChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  committed(position = 1n): void {
    for (const listener of this.listeners) listener(position);
  }
}

/** Stands in for the primary's WAL position: the test moves it, or makes reading it fail. */
class PositionsStandIn {
  position: bigint | undefined = undefined;
  failing = false;
  positionNow(): Promise<bigint | undefined> {
    return this.failing ? Promise.reject(new Error('primary away')) : Promise.resolve(this.position);
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('DashboardPageCache', () => {
  let feed: FeedStandIn;
  let positions: PositionsStandIn;
  let cache: DashboardPageCache;
  let queries: number;
  const query = (answer: string) => () => {
    queries++;
    return Promise.resolve(answer);
  };

  beforeEach(() => {
    feed = new FeedStandIn();
    positions = new PositionsStandIn();
    cache = new DashboardPageCache(feed as unknown as OrderChangeFeed, positions);
    queries = 0;
  });

  it('answers a repeated page without querying until the read model changes', async () => {
    expect(await cache.get('first', query('v1'))).toBe('v1');
    expect(await cache.get('first', query('v1'))).toBe('v1');
    expect(await cache.get('other', query('o1'))).toBe('o1');
    expect(queries).toBe(2);
    feed.committed();
    expect(await cache.get('first', query('v2'))).toBe('v2');
    expect(queries).toBe(3);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 3 });
  });

  it('runs one query for callers that ask at the same time', async () => {
    const pending = deferred<string>();
    const load = () => {
      queries++;
      return pending.promise;
    };
    const answers = Promise.all([cache.get('first', load), cache.get('first', load), cache.get('first', load)]);
    pending.resolve('v1');
    expect(await answers).toEqual(['v1', 'v1', 'v1']);
    expect(queries).toBe(1);
  });

  it('does not keep an answer whose query started before a change', async () => {
    const before = deferred<string>();
    const first = cache.get('first', () => before.promise);
    feed.committed();
    // Asked after the change: must not wait for (or get) the query that may predate it.
    const second = cache.get('first', query('after'));
    before.resolve('before');
    expect(await first).toBe('before');
    expect(await second).toBe('after');
    expect(await cache.get('first', query('later'))).toBe('after');
  });

  it('does not keep failures', async () => {
    await expect(cache.get('first', () => Promise.reject(new Error('database unavailable')))).rejects.toThrow('database unavailable');
    expect(await cache.get('first', query('v1'))).toBe('v1');
    expect(queries).toBe(1);
  });

  it('serves nothing from memory while changes cannot be heard', async () => {
    feed.listening = false;
    await cache.get('first', query('v1'));
    await cache.get('first', query('v1'));
    expect(queries).toBe(2);
    // Back: the feed reports the reconnection (which clears), and caching resumes.
    feed.listening = true;
    feed.committed();
    await cache.get('first', query('v1'));
    await cache.get('first', query('v1'));
    expect(queries).toBe(3);
  });

  it('keeps at most 256 pages, dropping the oldest', async () => {
    for (let page = 0; page < 300; page++) await cache.get(`page-${page}`, query(`v${page}`));
    expect(cache.stats().entries).toBe(256);
    await cache.get('page-299', query('again'));
    await cache.get('page-0', query('again'));
    expect(queries).toBe(301);
  });

  it('after a change, loads only from a replica that has replayed the primary position taken after it', async () => {
    const asked: Array<bigint | undefined> = [];
    const load = (mustHaveReplayed: bigint | undefined) => {
      asked.push(mustHaveReplayed);
      return Promise.resolve(`page at ${String(mustHaveReplayed)}`);
    };
    positions.position = 100n;
    expect(await cache.get('first', load)).toBe('page at 100');
    positions.position = 250n; // the projector commits a batch; the primary's WAL moves on
    feed.committed();
    expect(await cache.get('first', load)).toBe('page at 250');
    expect(await cache.get('other', load)).toBe('page at 250');
    expect(asked).toEqual([100n, 250n, 250n]);
  });

  it('reads from the primary only when the primary position cannot be taken after a change', async () => {
    const asked: Array<bigint | undefined> = [];
    const load = (mustHaveReplayed: bigint | undefined) => {
      asked.push(mustHaveReplayed);
      return Promise.resolve('page');
    };
    positions.position = 100n;
    await cache.get('first', load);
    positions.failing = true;
    feed.committed();
    await cache.get('first', load);
    expect(asked[1]).toBe(1n << 64n); // beyond any replica: ReadReplicas falls back to the primary
  });

  it('does not ask for a position while the change feed is down (nothing is kept then)', async () => {
    feed.listening = false;
    const asked: Array<bigint | undefined> = [];
    await cache.get('first', (mustHaveReplayed) => {
      asked.push(mustHaveReplayed);
      return Promise.resolve('page');
    });
    expect(asked).toEqual([undefined]);
    expect(cache.stats().entries).toBe(0);
  });
});
