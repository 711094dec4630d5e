import { Inject, Injectable } from '@nestjs/common';
import { EventConsumerMetrics } from '../../infrastructure/event-consumers/event-consumer-metrics';
import { describeFailure } from '../../infrastructure/event-consumers/consumer-failure';
import { EventStore } from '../../infrastructure/event-store/event-store.port';
import { shortLived } from '../../infrastructure/concurrency/short-lived-result';
import { READ_CHECKPOINT, READ_MODELS_PROJECTION } from './checkpoint.queries';
import type { ProjectorObserver, ProjectorRole } from './projector';
import { ReadModelDatabase } from './read-model-database';

/** Counting further than this costs more than the figure is worth; `eventsBehindCapped` says so. */
const EVENTS_BEHIND_CAP = 1_000;
/** Readiness probes and metric scrapes within this window share one measurement. */
const LAG_CACHE_MS = 500;

export interface ProjectionLag {
  /** Position of the last event applied (null: none yet). */
  checkpoint: string | null;
  /** Position of the newest event in the store (null: empty store). */
  head: string | null;
  /** Events recorded after the checkpoint, up to EVENTS_BEHIND_CAP. */
  eventsBehind: number;
  eventsBehindCapped: boolean;
  /** Age of the oldest event not applied yet; 0 when caught up. */
  secondsBehind: number;
}

export interface ProjectionSnapshot extends ProjectionLag {
  /** This replica's part: 'leader' applies events; 'standby' waits for the lock. */
  role: ProjectorRole;
  eventsApplied: number;
  batchesApplied: number;
  lastBatchAt: string | null;
  lastBatchDurationMs: number | null;
  /** The latest failed batch of this replica (retried), when there was one. */
  lastError: { message: string; at: string } | null;
}

/**
 * Where the projection stands, for /health/ready and metrics. Lag is
 * measured from the database checkpoint, not from this replica's memory, so
 * a standby reports the same lag as the leader (it serves the same tables).
 */
@Injectable()
export class ProjectionStatus implements ProjectorObserver {
  private role: ProjectorRole = 'starting';
  private eventsApplied = 0;
  private batchesApplied = 0;
  private lastBatchAt: Date | null = null;
  private lastBatchDurationMs: number | null = null;
  private lastError: { message: string; at: string } | null = null;
  /** Probes and scrapes ask often; the figure is measured at most every LAG_CACHE_MS. */
  private readonly sharedLag = shortLived(LAG_CACHE_MS, () => this.measure());

  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    private readonly database: ReadModelDatabase,
    private readonly consumerMetrics: EventConsumerMetrics,
  ) {
    consumerMetrics.declare(READ_MODELS_PROJECTION);
  }

  eventParked(): void {
    this.consumerMetrics.eventParked(READ_MODELS_PROJECTION);
  }

  batchFailed(error: unknown): void {
    this.consumerMetrics.failed(READ_MODELS_PROJECTION);
    this.lastError = { message: describeFailure(error), at: new Date().toISOString() };
  }

  roleChanged(role: ProjectorRole): void {
    this.role = role;
  }

  batchApplied(batch: { events: number; durationMs: number }): void {
    this.eventsApplied += batch.events;
    this.batchesApplied += 1;
    this.lastBatchAt = new Date();
    this.lastBatchDurationMs = Math.round(batch.durationMs * 10) / 10;
  }

  caughtUp(): void {
    // The lag query tells the truth across replicas; nothing to keep here.
  }

  async snapshot(): Promise<ProjectionSnapshot> {
    return {
      role: this.role,
      ...(await this.lag()),
      eventsApplied: this.eventsApplied,
      batchesApplied: this.batchesApplied,
      lastBatchAt: this.lastBatchAt?.toISOString() ?? null,
      lastBatchDurationMs: this.lastBatchDurationMs,
      lastError: this.lastError,
    };
  }

  lag(): Promise<ProjectionLag> {
    return this.sharedLag();
  }

  private async measure(): Promise<ProjectionLag> {
    const [rows, head] = await Promise.all([this.database.query<{ position: string | null }>(READ_CHECKPOINT, [READ_MODELS_PROJECTION]), this.eventStore.headPosition()]);
    const checkpoint = rows[0]?.position == null ? null : BigInt(rows[0].position);
    const base = { checkpoint: checkpoint === null ? null : String(checkpoint), head: head === undefined ? null : String(head) };
    if (head === undefined || (checkpoint !== null && checkpoint >= head)) {
      return { ...base, eventsBehind: 0, eventsBehindCapped: false, secondsBehind: 0 };
    }
    const pending = await this.eventStore.readAll({ ...(checkpoint === null ? {} : { fromPosition: checkpoint }), limit: EVENTS_BEHIND_CAP });
    const oldest = pending[0];
    return {
      ...base,
      eventsBehind: pending.length,
      eventsBehindCapped: pending.length >= EVENTS_BEHIND_CAP,
      secondsBehind: oldest ? Math.max(0, (Date.now() - oldest.recordedAt.getTime()) / 1000) : 0,
    };
  }
}
