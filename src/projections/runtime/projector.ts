import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { EventStore, RecordedEvent, Subscription } from '../../infrastructure/event-store/event-store.port';
import { withEventBatchSpan } from '../../infrastructure/observability/tracing/event-trace';
import { assertCheckpointBelongs } from '../../infrastructure/event-consumers/checkpoint-store';
import { describeFailure } from '../../infrastructure/event-consumers/consumer-failure';
import { applyBatch, CheckpointMovedError, type ParkedFailure } from './apply-batch';
import { ENSURE_CHECKPOINT, READ_CHECKPOINT, READ_MODELS_PROJECTION, RELEASE_LEADER_LOCK, TAG_CHECKPOINT, TRY_LEADER_LOCK } from './checkpoint.queries';
import type { ReadModel } from './read-model';

export type ProjectorRole = 'starting' | 'standby' | 'leader' | 'stopped';

/** What the projector reports as it goes (ProjectionStatus keeps it for health and metrics). */
export interface ProjectorObserver {
  roleChanged(role: ProjectorRole): void;
  batchApplied(batch: { events: number; rowsChanged: number; position: bigint; durationMs: number }): void;
  caughtUp(position: bigint | undefined): void;
  /** An event the read models cannot apply was parked; the projector went on past it. */
  eventParked?(parked: ParkedFailure): void;
  /** A batch failed for a reason that is not an event's (the database away...); it is tried again. */
  batchFailed?(error: unknown): void;
}

/** A batch that failed and will be read again: names where it was, for the log. */
export class BatchFailedError extends Error {
  override readonly name = 'BatchFailedError';
  constructor(
    events: readonly RecordedEvent[],
    override readonly cause: unknown,
  ) {
    super(
      `the batch of ${events.length} event(s) at positions ${events[0]?.position ?? '?'}..${events.at(-1)?.position ?? '?'} failed and will be read again: ${describeFailure(cause)}`,
    );
  }
}

export interface ProjectorLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface ProjectorOptions {
  connectionString: string;
  eventStore: EventStore;
  readModels: readonly ReadModel[];
  /** How often a standby tries the leader lock. */
  standbyRetryMs: number;
  /** Largest batch during catch-up (one transaction each). */
  batchSize?: number;
  projection?: string;
  observer?: ProjectorObserver;
  logger?: ProjectorLogger;
}

const DEFAULT_BATCH_SIZE = 1_000;

/**
 * The projector runtime. Exactly one replica leads: the one whose dedicated
 * connection holds the PostgreSQL advisory lock; the others stand by and try
 * again every `standbyRetryMs`. A session lock dies with its connection, so
 * when the leader's process or network goes, a standby takes over within a
 * retry interval.
 *
 * The leader subscribes to the event store after its checkpoint and applies
 * each batch on the lock's own connection (see applyBatch). Writing through
 * the connection that holds the lock means a leader that lost its lock has
 * lost its transaction too; the checkpoint check in applyBatch catches
 * anyone else who moved it (a rebuild's swap), and the leader then resumes
 * from the new checkpoint without giving up the lock.
 */
export class Projector {
  private readonly projection: string;
  private readonly batchSize: number;
  private readonly stopSignal = new AbortController();
  private loop: Promise<void> | undefined;
  /** Ends the current leadership (stop, lost connection, failed subscription). */
  private endLeadership: ((error?: unknown) => void) | undefined;

  constructor(private readonly options: ProjectorOptions) {
    this.projection = options.projection ?? READ_MODELS_PROJECTION;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  /** Starts competing for leadership in the background; returns at once. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops the subscription after its current batch, releases the lock and closes the connection. */
  async stop(): Promise<void> {
    this.stopSignal.abort();
    this.endLeadership?.();
    await this.loop;
  }

  private get stopping(): boolean {
    return this.stopSignal.signal.aborted;
  }

  private async run(): Promise<void> {
    this.options.observer?.roleChanged('starting');
    while (!this.stopping) {
      const client = new Client({
        connectionString: this.options.connectionString,
        application_name: 'alexandrite-projector',
        keepAlive: true,
        connectionTimeoutMillis: 5_000,
      });
      // An idle connection's failure is an 'error' event; without a listener it would crash the process.
      client.on('error', () => undefined);
      let live = false;
      client.once('end', () => (live = false));
      try {
        await client.connect();
        live = true;
        if (await this.acquire(client)) await this.lead(client);
      } catch (error) {
        if (!this.stopping) this.options.logger?.warn(`projector: ${describe(error)}; retrying in ${this.options.standbyRetryMs} ms`);
      } finally {
        // Only a live session is asked to release its lock (a dead one took it along). pg queues a query on a
        // client whose connection was closed while connecting (a proxy or Service that accepted, then found no
        // server) and never answers it: this loop would hang there for good, and no replica would project again.
        if (live) await client.query(RELEASE_LEADER_LOCK, [this.projection]).catch(() => undefined);
        await client.end().catch(() => undefined);
      }
      if (!this.stopping) await this.pause(this.options.standbyRetryMs);
    }
    this.options.observer?.roleChanged('stopped');
  }

  /** Tries the lock until it is ours (true) or the projector stops (false). */
  private async acquire(client: Client): Promise<boolean> {
    let announced = false;
    while (!this.stopping) {
      const { rows } = await client.query<{ locked: boolean }>(TRY_LEADER_LOCK, [this.projection]);
      if (rows[0]?.locked) return true;
      if (!announced) {
        announced = true;
        this.options.observer?.roleChanged('standby');
        this.options.logger?.log('projector: standing by (another replica leads)');
      }
      await this.pause(this.options.standbyRetryMs);
    }
    return false;
  }

  private async lead(client: Client): Promise<void> {
    const store = this.options.eventStore.adapterName;
    await client.query(ENSURE_CHECKPOINT, [this.projection, store]);
    this.options.observer?.roleChanged('leader');
    this.options.logger?.log('projector: leading');
    while (!this.stopping) {
      const { rows } = await client.query<{ position: string | null; event_store: string | null }>({ ...READ_CHECKPOINT, values: [this.projection] });
      const checkpoint = rows[0]?.position == null ? null : BigInt(rows[0].position);
      // Another store's position would skip or repeat events: refuse (logged, retried) until a rebuild or an operator fixes it.
      assertCheckpointBelongs(
        `projection '${this.projection}'`,
        { position: checkpoint, eventStore: rows[0]?.event_store ?? null },
        {
          name: store,
          head: checkpoint === null ? undefined : await this.options.eventStore.headPosition(),
        },
      );
      await client.query({ ...TAG_CHECKPOINT, values: [this.projection, store] });
      try {
        await this.follow(client, checkpoint);
        return;
      } catch (error) {
        if (!(error instanceof CheckpointMovedError)) throw error;
        this.options.logger?.log(`projector: ${error.message} (a rebuild was swapped in); resuming from there`);
      }
    }
  }

  /** Applies batches from `checkpoint` until stopped (resolves) or something fails (rejects). */
  private follow(client: Client, checkpoint: bigint | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let position = checkpoint;
      let ended = false;
      // eslint-disable-next-line prefer-const -- end() reads it and may run before subscribeToAll returns: a const would be in its TDZ
      let subscription: Subscription | undefined;
      const end = (error?: unknown) => {
        if (ended) return;
        ended = true;
        this.endLeadership = undefined;
        client.off('end', onConnectionEnd);
        const stopped = subscription ? subscription.stop() : Promise.resolve();
        void stopped
          .catch(() => undefined)
          .then(() => (error === undefined ? resolve() : reject(error instanceof Error ? error : new Error('the projector failed', { cause: error }))));
      };
      const onConnectionEnd = () => end(new Error('the leader connection closed'));
      client.once('end', onConnectionEnd);
      this.endLeadership = end;
      subscription = this.options.eventStore.subscribeToAll(
        { ...(position === null ? {} : { fromPosition: position }), batchSize: this.batchSize },
        {
          onEvents: async (events: readonly RecordedEvent[]) => {
            if (ended) throw new Error('projector leadership ended');
            const started = performance.now();
            try {
              // Continues the trace of the request(s) that appended these events (see event-trace.ts).
              const result = await withEventBatchSpan('projection.apply', events, { 'alexandrite.projection': this.projection, 'alexandrite.events': events.length }, () =>
                applyBatch(client, this.projection, this.options.readModels, events, position),
              );
              position = result.position;
              for (const parked of result.parked) {
                const { event, error } = parked;
                this.options.logger?.warn(
                  `projector: parked the event at position ${event.position} (stream ${event.streamId}, revision ${event.revision}, ${event.type}) ` +
                    `and carried on: ${error}. Support: GET /api/support/parked-events, then retry or skip it.`,
                );
                this.options.observer?.eventParked?.(parked);
              }
              this.options.observer?.batchApplied({
                events: events.length,
                rowsChanged: result.rowsChanged,
                position: result.position,
                durationMs: performance.now() - started,
              });
            } catch (error) {
              if (error instanceof CheckpointMovedError) {
                end(error);
                throw error;
              }
              this.options.observer?.batchFailed?.(error);
              const failure = new BatchFailedError(events, error);
              end(failure);
              throw failure;
            }
          },
          onCaughtUp: (head) => this.options.observer?.caughtUp(head),
          onError: (error) => end(error),
        },
      );
      if (this.stopping) end();
    });
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
