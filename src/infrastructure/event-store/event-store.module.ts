import { Global, Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppSettings } from '../../config/app-settings';
import { upcastOrderEvent } from '../../shared/order-lifecycle';
import { ReadReplicas } from '../database/read-replicas/read-replicas';
import { ReadinessRegistry } from '../health/readiness.registry';
import { InstrumentedEventStore } from '../observability/instrumented-event-store';
import { eventStoreEventsDropped } from '../observability/metrics/event-store-metrics';
import { EventStore } from './event-store.port';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { UpcastingEventStore } from './upcasting-event-store';

/**
 * The one place that picks the event store adapter: KurrentDB when
 * EVENTSTORE_URL is set, else PostgreSQL (whose read replicas, when
 * configured, answer the reads that may lag). Whichever it is, its events are
 * read through the kernel's upcasters (withUpcasting).
 */
export function createEventStore(settings: AppSettings, replicas?: ReadReplicas): EventStore {
  const { eventStore, database } = settings.config;
  if (eventStore.adapter === 'kurrentdb') {
    return withUpcasting(
      new KurrentDbEventStore({
        connectionString: eventStore.url,
        readDeadlineMs: eventStore.readDeadlineMs,
        logger: new Logger('EventStore'),
        onEventDropped: (dropped) => eventStoreEventsDropped.inc({ reason: dropped.reason }),
      }),
    );
  }
  return withUpcasting(
    new PostgresEventStore({
      connectionString: settings.databaseUrl,
      poolSize: Math.max(4, Math.floor(database.poolSize / 2)),
      statementTimeoutMs: database.statementTimeoutMs,
      ...(replicas?.configured ? { replicaReads: replicas } : {}),
      logger: new Logger('EventStore'),
    }),
  );
}

/**
 * An adapter as every reader must see it: each event upcast to the current
 * version of its type (shared/order-lifecycle/upcasting.ts). Code that builds
 * an adapter itself (a rebuild, a tool, a test standing in for the app)
 * wraps it here too, or it reads old events in their old shape.
 */
export function withUpcasting(adapter: EventStore): EventStore {
  return new UpcastingEventStore(adapter, upcastOrderEvent);
}

@Global()
@Module({
  // Every append is timed, counted and traced, whichever adapter was picked.
  providers: [
    {
      provide: EventStore,
      inject: [AppSettings, ReadReplicas],
      useFactory: (settings: AppSettings, replicas: ReadReplicas) => new InstrumentedEventStore(createEventStore(settings, replicas)),
    },
  ],
  exports: [EventStore],
})
export class EventStoreModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register({
      name: 'eventStore',
      check: async () => {
        await this.eventStore.ping();
        return { adapter: this.eventStore.adapterName };
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.eventStore.close();
  }
}
