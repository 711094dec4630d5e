import { Logger } from '@nestjs/common';
import { Pool, type QueryResultRow } from 'pg';
import { gauge } from '../../observability/metrics/registry';
import { isDatabaseUnavailable } from '../connection-errors';
import { formatLsn, type Lsn, parseLsn } from './lsn';
import { ReplicaLagEstimator } from './replica-lag';

export interface NamedStatement {
  /** Unique per text: PostgreSQL parses and plans it once per connection. */
  name: string;
  text: string;
}

export interface ReadReplicaOptions {
  urls: string[];
  maxLagMs: number;
  poolSize: number;
  statementTimeoutMs: number;
  /** How often the primary's position and each replica's replay position are sampled. */
  sampleIntervalMs?: number;
}

export interface ReplicaStatus {
  /** host:port/database, never the password. */
  replica: string;
  usable: boolean;
  lagMs: number | null;
  replayed: string | null;
  error: string | null;
}

interface Replica {
  label: string;
  pool: Pool;
  replayed: Lsn | undefined;
  lagMs: number;
  error: string | undefined;
}

/** serialization_failure: on a hot standby, a query cancelled because replay had to remove rows it needed. */
const RECOVERY_CONFLICT = '40001';

const lagGauge = gauge('alexandrite_db_read_replica_lag_seconds', 'How far each read replica is behind the primary, in seconds (from WAL positions)', ['replica']);
const usableGauge = gauge('alexandrite_db_read_replica_usable', '1 while a read replica answers and is within READ_REPLICA_MAX_LAG_MS, else 0 (its reads go to the primary)', [
  'replica',
]);

/**
 * Reads that may be served by a streaming replica (DATABASE_READ_URL): lists,
 * the dashboard, the stuck scan and history. Commands, the projector, pricing
 * and idempotency never come here: they need the primary.
 *
 * Every `sampleIntervalMs` the primary's WAL position and each replica's
 * replay position are read; a replica is used only while it answers and is
 * no further behind than `maxLagMs` (ReplicaLagEstimator). A read that must
 * see a given change (`mustHaveReplayed`, a primary position taken after the
 * change committed) goes only to a replica that has replayed that far. When
 * no replica qualifies, or the one chosen fails, the read runs on the
 * primary: a replica's trouble costs the primary load, never an answer.
 */
export class ReadReplicas {
  private readonly logger = new Logger('ReadReplicas');
  private readonly replicas: Replica[];
  private readonly estimator = new ReplicaLagEstimator();
  private timer: NodeJS.Timeout | undefined;
  private nextReplica = 0;
  private positionInFlight: Promise<Lsn> | undefined;
  private positionNext: Promise<Lsn> | undefined;

  constructor(
    private readonly primary: Pool,
    private readonly options: ReadReplicaOptions,
  ) {
    this.replicas = options.urls.map((url) => ({
      label: labelOf(url),
      pool: new Pool({
        connectionString: url,
        max: options.poolSize,
        application_name: 'alexandrite-read',
        connectionTimeoutMillis: 2_000,
        ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      }),
      replayed: undefined,
      lagMs: Infinity,
      error: 'not sampled yet',
    }));
    // An idle pooled connection that dies (replica restarted) must not become an uncaught 'error'.
    for (const replica of this.replicas) replica.pool.on('error', (error) => (replica.error = error.message));
  }

  get configured(): boolean {
    return this.replicas.length > 0;
  }

  /** Samples once now, then keeps sampling until close(). */
  async start(): Promise<void> {
    if (!this.configured) return;
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.options.sampleIntervalMs ?? 250);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.replicas.map((replica) => replica.pool.end().catch(() => undefined)));
  }

  /**
   * The primary's WAL position now. Taken after a change committed, any replica
   * that has replayed it sees that change. Concurrent callers share a query, but
   * never one already sent: that one may have read the position before the
   * caller's change committed, so they wait for the next.
   */
  primaryPositionNow(): Promise<Lsn> {
    if (!this.positionInFlight) {
      this.positionInFlight = this.primary
        .query<{ position: string }>('SELECT pg_current_wal_lsn()::text AS position')
        .then((result) => parseLsn(result.rows[0]!.position))
        .finally(() => (this.positionInFlight = undefined));
      return this.positionInFlight;
    }
    this.positionNext ??= this.positionInFlight
      .catch(() => undefined)
      .then(() => {
        this.positionNext = undefined;
        return this.primaryPositionNow();
      });
    return this.positionNext;
  }

  /** Runs a read on a usable replica (that has replayed `mustHaveReplayed`, when given), else on the primary. */
  async query<R extends QueryResultRow>(statement: NamedStatement, values: unknown[], mustHaveReplayed?: Lsn): Promise<R[]> {
    const replica = this.pick(mustHaveReplayed);
    if (replica) {
      try {
        return (await replica.pool.query<R>({ name: statement.name, text: statement.text, values })).rows;
      } catch (error) {
        if (!isDatabaseUnavailable(error) && (error as { code?: unknown }).code !== RECOVERY_CONFLICT) throw error;
        replica.error = (error as Error).message;
        replica.lagMs = Infinity; // not used again until the next sample finds it answering
        this.publish(replica);
      }
    }
    return (await this.primary.query<R>({ name: statement.name, text: statement.text, values })).rows;
  }

  status(): ReplicaStatus[] {
    return this.replicas.map((replica) => ({
      replica: replica.label,
      usable: this.usable(replica),
      lagMs: Number.isFinite(replica.lagMs) ? replica.lagMs : null,
      replayed: replica.replayed === undefined ? null : formatLsn(replica.replayed),
      error: replica.error ?? null,
    }));
  }

  private pick(mustHaveReplayed: Lsn | undefined): Replica | undefined {
    for (let i = 0; i < this.replicas.length; i++) {
      const replica = this.replicas[(this.nextReplica + i) % this.replicas.length]!;
      if (!this.usable(replica)) continue;
      if (mustHaveReplayed !== undefined && (replica.replayed === undefined || replica.replayed < mustHaveReplayed)) continue;
      this.nextReplica = (this.nextReplica + i + 1) % this.replicas.length;
      return replica;
    }
    return undefined;
  }

  private usable(replica: Replica): boolean {
    return replica.error === undefined && replica.lagMs <= this.options.maxLagMs;
  }

  private async sample(): Promise<void> {
    try {
      this.estimator.recordPrimary(Date.now(), await this.primaryPositionNow());
    } catch {
      // The primary away: the replicas' lag cannot be told; keep the last figures.
    }
    await Promise.all(
      this.replicas.map(async (replica) => {
        try {
          const result = await replica.pool.query<{ replayed: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS replayed');
          const replayed = result.rows[0]?.replayed;
          // NULL: not a standby (a promoted or misconfigured "replica"); its data may diverge from the primary's.
          if (!replayed) throw new Error('not a streaming replica (pg_last_wal_replay_lsn() is NULL)');
          replica.replayed = parseLsn(replayed);
          replica.lagMs = this.estimator.lagMs(replica.replayed, Date.now());
          if (replica.error !== undefined) this.logger.log(`read replica ${replica.label} answers again`);
          replica.error = undefined;
        } catch (error) {
          if (replica.error === undefined) this.logger.warn(`read replica ${replica.label} not used: ${(error as Error).message}`);
          replica.error = (error as Error).message;
          replica.lagMs = Infinity;
        }
        this.publish(replica);
      }),
    );
  }

  private publish(replica: Replica): void {
    usableGauge.set({ replica: replica.label }, this.usable(replica) ? 1 : 0);
    if (Number.isFinite(replica.lagMs)) lagGauge.set({ replica: replica.label }, replica.lagMs / 1000);
  }
}

function labelOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}
