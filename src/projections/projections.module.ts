import { Global, Inject, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AppSettings } from '../config/app-settings';
import { ParkingConsumerRegistry } from '../infrastructure/event-consumers/parked-events.registry';
import { ParkedEventsRepository } from '../infrastructure/event-consumers/parked-events.repository';
import { EventStore } from '../infrastructure/event-store/event-store.port';
import { ReadinessRegistry } from '../infrastructure/health/readiness.registry';
import { allReadModels } from './read-models';
import { READ_MODELS_PROJECTION } from './runtime/checkpoint.queries';
import { OrderChangeFeed } from './runtime/order-change-feed';
import { OrderMetrics } from './runtime/order-metrics';
import { ProjectionMetrics } from './runtime/projection-metrics';
import { ProjectionRepair } from './runtime/projection-repair';
import { ProjectionStatus } from './runtime/projection-status';
import { Projector } from './runtime/projector';
import { ReadModelDatabase } from './runtime/read-model-database';
import { OrderRevisionWaiters } from './runtime/order-revision-waiters';

/**
 * The projector (one leader across replicas) and what the modules use to
 * read its tables: the pool, the change feed behind the SSE streams, and
 * the projection's status for health and metrics.
 */
@Global()
@Module({
  providers: [
    OrderRevisionWaiters,
    ReadModelDatabase,
    ProjectionStatus,
    ProjectionMetrics,
    OrderMetrics,
    OrderChangeFeed,
    {
      provide: Projector,
      inject: [AppSettings, EventStore, ProjectionStatus],
      useFactory: (settings: AppSettings, eventStore: EventStore, status: ProjectionStatus) => {
        const logger = new Logger('Projector');
        return new Projector({
          connectionString: settings.databaseUrl,
          eventStore,
          readModels: allReadModels(),
          standbyRetryMs: settings.config.projections.standbyRetryMs,
          observer: status,
          logger: { log: (message) => logger.log(message), warn: (message) => logger.warn(message) },
        });
      },
    },
  ],
  exports: [ReadModelDatabase, ProjectionStatus, OrderChangeFeed, OrderRevisionWaiters],
})
export class ProjectionsModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(Projector) private readonly projector: Projector,
    private readonly status: ProjectionStatus,
    private readonly feed: OrderChangeFeed,
    private readonly readiness: ReadinessRegistry,
    private readonly settings: AppSettings,
    private readonly parkedEvents: ParkedEventsRepository,
    private readonly consumers: ParkingConsumerRegistry,
    private readonly database: ReadModelDatabase,
    @Inject(EventStore) private readonly eventStore: EventStore,
  ) {}

  onModuleInit(): void {
    // Support's retry of a parked event runs on any replica (under the checkpoint lock, see ProjectionRepair).
    this.consumers.register(new ProjectionRepair(READ_MODELS_PROJECTION, this.database, this.eventStore, allReadModels()));
    const maxLagSeconds = this.settings.config.projections.maxLagSeconds;
    this.readiness.register({
      name: 'projections',
      check: async () => {
        const [snapshot, parked] = await Promise.all([this.status.snapshot(), this.parkedEvents.countOpen()]);
        const parkedEvents = parked.get(READ_MODELS_PROJECTION) ?? 0;
        // Parked events degrade the read models (those orders are not up to date) but never make a replica
        // unready: every replica shares them, and taking them all out of the load balancer helps nobody.
        const details = {
          role: snapshot.role,
          checkpoint: snapshot.checkpoint,
          eventsBehind: snapshot.eventsBehind,
          secondsBehind: Math.round(snapshot.secondsBehind * 10) / 10,
          parkedEvents,
          degraded: parkedEvents > 0,
          ...(snapshot.lastError ? { lastError: snapshot.lastError } : {}),
        };
        if (snapshot.secondsBehind > maxLagSeconds) {
          throw new Error(
            `read models are ${details.secondsBehind} s behind the event store (${snapshot.eventsBehind}${snapshot.eventsBehindCapped ? '+' : ''} events); the limit is ${maxLagSeconds} s`,
          );
        }
        return details;
      },
    });
  }

  /** Non-blocking: the app serves while the projector catches up (readiness says how far behind it is). */
  onApplicationBootstrap(): void {
    this.projector.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.projector.stop();
    await this.feed.close();
  }
}
