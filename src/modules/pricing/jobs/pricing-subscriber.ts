import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventStore, type RecordedEvent, type Subscription } from '../../../infrastructure/event-store/event-store.port';
import { OrderCommandExecutor } from '../../../shared/order-commands/order-command.executor';
import type { PricingJobData } from './pricing-job';
import { PricingQueue } from './pricing-queue';

const SUBSCRIBER = 'pricing-jobs';
const ORDER_STREAM = /^order-([0-9a-f-]{36})$/i;
const RESTART_DELAY_MS = 1_000;

/**
 * Turns the event stream into pricing jobs: every OrderSubmitted (and every
 * support PricingRetryRequested) becomes one pg-boss job whose id is the
 * submission (or request) id, so redelivery after a restart, or the same
 * event seen by several replicas, never makes a second job. The checkpoint
 * is saved after the batch's jobs are enqueued: at-least-once delivery,
 * exactly-once jobs.
 */
@Injectable()
export class PricingSubscriber {
  private readonly logger = new Logger(PricingSubscriber.name);
  private subscription: Subscription | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    private readonly db: DataSource,
    private readonly queue: PricingQueue,
    private readonly orders: OrderCommandExecutor,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    const rows: Array<{ position: string | null }> = await this.db.query('SELECT position::text AS position FROM pricing_checkpoints WHERE subscriber = $1', [SUBSCRIBER]);
    const checkpoint = rows[0]?.position;
    this.subscription = this.eventStore.subscribeToAll(checkpoint == null ? {} : { fromPosition: BigInt(checkpoint) }, {
      onEvents: (events) => this.handle(events),
      onError: (error) => {
        this.logger.error(`pricing subscription stopped, restarting from the checkpoint: ${String(error)}`);
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

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      void this.subscription?.stop().catch(() => undefined);
      this.start().catch((error: unknown) => {
        this.logger.error(`pricing subscription restart failed: ${String(error)}`);
        this.scheduleRestart();
      });
    }, RESTART_DELAY_MS);
  }

  private async handle(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      const job = await this.jobFor(event);
      if (job && (await this.queue.enqueue(job))) this.logger.log(`order ${job.orderId}: pricing job ${job.jobId} enqueued`);
    }
    const last = events.at(-1);
    if (!last) return;
    // GREATEST: replicas share the row and must never move it back.
    await this.db.query(
      `INSERT INTO pricing_checkpoints (subscriber, position) VALUES ($1, $2::bigint)
       ON CONFLICT (subscriber) DO UPDATE SET position = GREATEST(pricing_checkpoints.position, EXCLUDED.position), updated_at = now()`,
      [SUBSCRIBER, last.position.toString()],
    );
  }

  private async jobFor(event: RecordedEvent): Promise<PricingJobData | null> {
    const orderId = ORDER_STREAM.exec(event.streamId)?.[1];
    if (!orderId) return null;
    const data = event.data as { submissionId?: unknown };
    if (typeof data?.submissionId !== 'string') return null;
    // The request's trace travels with the job, so pricing shows up in the submitting request's trace.
    const trace = event.metadata.traceparent ? { traceparent: event.metadata.traceparent } : {};
    if (event.type === 'OrderSubmitted') return { orderId, submissionId: data.submissionId, jobId: data.submissionId, priorAttempts: 0, ...trace };
    if (event.type === 'PricingRetryRequested') {
      // The retry's attempts are numbered after those the history already holds.
      const { state } = await this.orders.load(orderId, { toRevision: event.revision });
      return { orderId, submissionId: data.submissionId, jobId: event.id, priorAttempts: state.pricingAttempts, ...trace };
    }
    return null;
  }
}
