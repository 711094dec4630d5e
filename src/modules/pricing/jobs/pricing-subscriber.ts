import { Inject, Injectable, Logger } from '@nestjs/common';
import { assertCheckpointBelongs } from '../../../infrastructure/event-consumers/checkpoint-store';
import { describeFailure, isPoisonFailure, UnprocessableEventError } from '../../../infrastructure/event-consumers/consumer-failure';
import { EventConsumerMetrics } from '../../../infrastructure/event-consumers/event-consumer-metrics';
import { ParkingConsumerRegistry } from '../../../infrastructure/event-consumers/parked-events.registry';
import { type ParkedEvent, ParkedEventsRepository } from '../../../infrastructure/event-consumers/parked-events.repository';
import { EventStore, type RecordedEvent, type Subscription } from '../../../infrastructure/event-store/event-store.port';
import { ReadinessRegistry } from '../../../infrastructure/health/readiness.registry';
import { traceparentOf } from '../../../infrastructure/observability/tracing/event-trace';
import { OrderCommands } from '../../../shared/order-commands/order-commands.service';
import { OrderStreamCorruptError } from '../../../shared/order-commands/order-stream-corrupt.error';
import { orderEventProblem } from '../../../shared/order-lifecycle';
import { shortLived } from '../../../infrastructure/concurrency/short-lived-result';
import { PricingMetrics } from '../pricing-metrics';
import type { PricingJobData } from './pricing-job';
import { PricingCheckpointsRepository } from './pricing-checkpoints.repository';
import { PricingQueue } from './pricing-queue';

/** The subscriber's name: its checkpoint row, and the consumer of the events it parks. */
export const PRICING_SUBSCRIBER = 'pricing-jobs';
const ORDER_STREAM = /^order-([0-9a-f-]{36})$/i;
const RESTART_DELAY_MS = 1_000;
/** Counting further than this costs more than the figure is worth. */
const EVENTS_BEHIND_CAP = 1_000;
/** Readiness probes and metric scrapes within this window share one measurement. */
const LAG_CACHE_MS = 500;
/** Readiness calls the subscriber degraded while its last failure is this recent. */
const RECENT_FAILURE_MS = 60_000;
/** Readiness calls the subscriber degraded beyond this lag (it never makes the replica unready). */
const DEGRADED_LAG_SECONDS = 30;

export interface SubscriberLag {
  checkpoint: string | null;
  eventsBehind: number;
  eventsBehindCapped: boolean;
  /** Age of the oldest event not handled yet; 0 when caught up. */
  secondsBehind: number;
}

/**
 * Turns the event stream into pricing jobs: every OrderSubmitted (and every
 * support PricingRetryRequested) becomes one pg-boss job whose id is the
 * submission (or request) id, so redelivery after a restart, or the same
 * event seen by several replicas, never makes a second job. The checkpoint
 * is saved after the batch's jobs are enqueued: at-least-once delivery,
 * exactly-once jobs.
 *
 * An event it cannot turn into a job (a malformed submission id, an order
 * stream it cannot read) is parked (parked_events, consumer `pricing-jobs`)
 * and the subscriber carries on: one bad event must not stop every order's
 * pricing. Any other failure (the database or the queue away) restarts the
 * subscription from its checkpoint a second later, counted in the metrics
 * and shown in readiness.
 */
@Injectable()
export class PricingSubscriber {
  private readonly logger = new Logger(PricingSubscriber.name);
  private subscription: Subscription | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running = false;
  private lastError: { message: string; at: number } | null = null;
  /** Probes and scrapes ask often; the figure is measured at most every LAG_CACHE_MS. */
  private readonly sharedLag = shortLived(LAG_CACHE_MS, () => this.measureLag());

  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    private readonly checkpoints: PricingCheckpointsRepository,
    private readonly queue: PricingQueue,
    private readonly orders: OrderCommands,
    private readonly parkedEvents: ParkedEventsRepository,
    private readonly consumerMetrics: EventConsumerMetrics,
    private readonly consumers: ParkingConsumerRegistry,
    private readonly readiness: ReadinessRegistry,
    private readonly metrics: PricingMetrics,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    if (!this.running) {
      this.running = true;
      this.consumerMetrics.declare(PRICING_SUBSCRIBER);
      this.consumers.register({ name: PRICING_SUBSCRIBER, retry: (parked) => this.retry(parked) });
      this.metrics.setGauges({ subscriberLag: () => this.lag() });
      this.readiness.register({ name: 'pricing-subscriber', check: () => this.health() });
    }
    const { position: checkpoint, eventStore } = await this.checkpoints.read(PRICING_SUBSCRIBER);
    // Another store's position would skip or repeat submissions: refuse to start (the message says what to do).
    assertCheckpointBelongs(
      PRICING_SUBSCRIBER,
      { position: checkpoint == null ? null : BigInt(checkpoint), eventStore },
      {
        name: this.eventStore.adapterName,
        head: checkpoint == null ? undefined : await this.eventStore.headPosition(),
      },
    );
    this.subscription = this.eventStore.subscribeToAll(checkpoint == null ? {} : { fromPosition: BigInt(checkpoint) }, {
      onEvents: (events) => this.handle(events),
      onError: (error) => {
        this.consumerMetrics.failed(PRICING_SUBSCRIBER);
        this.lastError = { message: describeFailure(error), at: Date.now() };
        this.logger.error(`pricing subscription stopped, restarting from the checkpoint: ${describeFailure(error)}`);
        this.scheduleRestart();
      },
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  /** How far behind the event store the shared checkpoint is (every replica reports the same). */
  lag(): Promise<SubscriberLag> {
    return this.sharedLag();
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      void this.subscription?.stop().catch(() => undefined);
      this.start().catch((error: unknown) => {
        this.consumerMetrics.failed(PRICING_SUBSCRIBER);
        this.lastError = { message: describeFailure(error), at: Date.now() };
        this.logger.error(`pricing subscription restart failed: ${describeFailure(error)}`);
        this.scheduleRestart();
      });
    }, RESTART_DELAY_MS);
  }

  private async handle(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      try {
        const job = await this.jobFor(event);
        if (job && (await this.queue.enqueue(job))) this.logger.log(`order ${job.orderId}: pricing job ${job.jobId} enqueued`);
      } catch (error) {
        // Only the event's own fault parks it; anything else fails the batch, which is read again after a restart.
        if (!isPoisonFailure(error, { plainErrors: false })) throw error;
        await this.park(event, describeFailure(error));
      }
    }
    const last = events.at(-1);
    if (!last) return;
    await this.checkpoints.save(PRICING_SUBSCRIBER, last.position, this.eventStore.adapterName);
  }

  private async park(event: RecordedEvent, error: string): Promise<void> {
    await this.parkedEvents.park(PRICING_SUBSCRIBER, event, error);
    this.consumerMetrics.eventParked(PRICING_SUBSCRIBER);
    this.logger.warn(
      `pricing: parked the event at position ${event.position} (stream ${event.streamId}, revision ${event.revision}, ${event.type}) and carried on: ${error}. ` +
        'Support: GET /api/support/parked-events, then retry or skip it.',
    );
  }

  /** Support's retry: the parked event is read again and, if it now makes a job, enqueued (idempotent by job id). */
  private async retry(parked: ParkedEvent): Promise<void> {
    const position = BigInt(parked.position);
    // By stream and revision: `position - 1` is no position at all on KurrentDB (positions are log offsets).
    const revision = BigInt(parked.revision);
    const [event] = await this.eventStore.readStream(parked.streamId, { fromRevision: revision, toRevision: revision });
    if (!event || event.position !== position) throw new Error(`the event store has no event at position ${position} (${parked.streamId}, revision ${revision})`);
    const job = await this.jobFor(event);
    if (job && (await this.queue.enqueue(job))) this.logger.log(`order ${job.orderId}: pricing job ${job.jobId} enqueued (support's retry of a parked event)`);
  }

  private async jobFor(event: RecordedEvent): Promise<PricingJobData | null> {
    if (event.type !== 'OrderSubmitted' && event.type !== 'PricingRetryRequested') return null;
    const orderId = ORDER_STREAM.exec(event.streamId)?.[1];
    if (!orderId) return null;
    const problem = orderEventProblem(event);
    if (problem !== null) throw new UnprocessableEventError(event, problem);
    const data = event.data as { submissionId: string };
    // The request's trace travels with the job, so pricing shows up in the submitting request's trace.
    const traceparent = traceparentOf(event);
    const trace = traceparent ? { traceparent } : {};
    if (event.type === 'OrderSubmitted') return { orderId, submissionId: data.submissionId, jobId: data.submissionId, priorAttempts: 0, ...trace };
    // The retry's attempts are numbered after those the history already holds.
    try {
      const { state } = await this.orders.load(orderId, { toRevision: event.revision });
      return { orderId, submissionId: data.submissionId, jobId: event.id, priorAttempts: state.pricingAttempts, ...trace };
    } catch (error) {
      if (error instanceof OrderStreamCorruptError) throw new UnprocessableEventError(event, error.message);
      throw error;
    }
  }

  private async health(): Promise<Record<string, unknown>> {
    const [lag, parked] = await Promise.all([this.lag(), this.parkedEvents.countOpen()]);
    const parkedEvents = parked.get(PRICING_SUBSCRIBER) ?? 0;
    const recentError = this.lastError && Date.now() - this.lastError.at < RECENT_FAILURE_MS ? this.lastError : null;
    // Degraded, never unready: the lag and the parked events are shared by every replica, and a load balancer
    // that took them all out would stop the shop as well as pricing. Alerts page on the metrics instead.
    return {
      checkpoint: lag.checkpoint,
      eventsBehind: lag.eventsBehind,
      secondsBehind: Math.round(lag.secondsBehind * 10) / 10,
      parkedEvents,
      errors: this.consumerMetrics.errors.get(PRICING_SUBSCRIBER) ?? 0,
      ...(this.lastError ? { lastError: { message: this.lastError.message, at: new Date(this.lastError.at).toISOString() } } : {}),
      degraded: parkedEvents > 0 || recentError !== null || lag.secondsBehind > DEGRADED_LAG_SECONDS,
    };
  }

  private async measureLag(): Promise<SubscriberLag> {
    const [stored, head] = await Promise.all([this.checkpoints.read(PRICING_SUBSCRIBER), this.eventStore.headPosition()]);
    const checkpoint = stored.position == null ? null : BigInt(stored.position);
    const base = { checkpoint: checkpoint === null ? null : String(checkpoint) };
    if (head === undefined || (checkpoint !== null && checkpoint >= head)) return { ...base, eventsBehind: 0, eventsBehindCapped: false, secondsBehind: 0 };
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
