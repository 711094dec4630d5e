import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BlobNotFoundError, BlobStorage } from '../../../infrastructure/blob-storage/blob-storage.port';
import type { EventActor } from '../../../infrastructure/event-store/event-store.port';
import { runWithOrderLogContext } from '../../../infrastructure/observability/log-context';
import { withEventSpan } from '../../../infrastructure/observability/tracing/event-trace';
import type { CommandContext } from '../../../shared/order-commands/command-context';
import { type OrderCommandRequest, OrderCommands } from '../../../shared/order-commands/order-commands.service';
import { OrderStreamCorruptError } from '../../../shared/order-commands/order-stream-corrupt.error';
import { DomainValidationError, IllegalTransitionError, type OrderState } from '../../../shared/order-lifecycle';
import { CalculationTimeoutError, GeometryPool, WorkerCrashedError } from '../calculation/geometry-pool';
import type { GeometryResult } from '../calculation/geometry-task';
import { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import { calculatePrice } from '../price-rules/calculate-price';
import { PriceListService } from '../price-rules/price-list.service';
import { PricingMetrics } from '../pricing-metrics';
import { PRICING_MAX_ATTEMPTS, type PricingJobData } from './pricing-job';

export const PRICING_ACTOR: EventActor = { role: 'pricing', id: 'pricing-worker' };

/** A failure that another attempt cannot fix (the model itself, a vanished file): no retry. */
class PermanentPricingFailure extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** A failure that may pass (storage away, a worker crash, a timeout under load): retried with backoff. */
class TransientPricingFailure extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface AttemptInfo {
  /** pg-boss retries so far (0 on the first run). */
  retryCount: number;
  /** The delay pg-boss will wait before the next run, for the event's nextRetryAt (a lower bound: backoff adds jitter). */
  retryDelaySeconds: number;
}

/**
 * One pricing attempt of one submission: load the order, read the model,
 * measure it in a worker thread, apply the price rules, record the outcome
 * as events. Every outcome is recorded through the lifecycle decider, which
 * makes a repeat harmless: a second PriceCalculated for the same
 * submission is refused there (exactly once, whatever the queue redelivers).
 */
@Injectable()
export class PricingJobHandler {
  private readonly logger = new Logger(PricingJobHandler.name);

  constructor(
    private readonly orders: OrderCommands,
    @Inject(BlobStorage) private readonly blobs: BlobStorage,
    private readonly priceList: PriceListService,
    private readonly pool: GeometryPool,
    private readonly deadLetters: DeadLettersRepository,
    private readonly metrics: PricingMetrics,
  ) {}

  /** Resolves when the job is finished (priced, failed for good, or moot); throws to have pg-boss retry it. */
  async run(job: PricingJobData, attempt: AttemptInfo): Promise<void> {
    // A child span of the submitting request's trace (ids only: no personal data in attributes); log lines carry order_id.
    const attributes = { 'alexandrite.order_id': job.orderId, 'alexandrite.submission_id': job.submissionId, 'alexandrite.attempt': attempt.retryCount + 1 };
    return withEventSpan('pricing.price', { metadata: { traceparent: job.traceparent } }, attributes, () => runWithOrderLogContext(job.orderId, () => this.attempt(job, attempt)));
  }

  private async attempt(job: PricingJobData, attempt: AttemptInfo): Promise<void> {
    const state = await this.loadReadable(job);
    if (!state || !this.isCurrent(job, state)) {
      this.metrics.outcomes.stale += 1;
      return;
    }
    const attemptNumber = attempt.retryCount + 1;
    this.metrics.attempts += 1;
    await this.recordInterruptedAttempts(job, state, attempt.retryCount);
    try {
      const price = await this.price(job, state);
      await this.command(job, { type: 'RecordPrice', data: { submissionId: job.submissionId, currency: price.currency, total: price.total, breakdown: price.breakdown } });
      this.metrics.outcomes.priced += 1;
    } catch (error) {
      if (error instanceof PermanentPricingFailure) {
        this.metrics.outcomes.invalid_model += 1;
        await this.failForGood(job, error.code, error.reason, attemptNumber);
        return;
      }
      const failure = error instanceof TransientPricingFailure ? error : new TransientPricingFailure('INTERNAL_ERROR', `pricing failed unexpectedly: ${describe(error)}`);
      const willRetry = attemptNumber < PRICING_MAX_ATTEMPTS;
      const nextRetryAt = willRetry ? new Date(Date.now() + attempt.retryDelaySeconds * 1000).toISOString() : null;
      await this.command(job, {
        type: 'RecordPricingAttemptFailure',
        data: { submissionId: job.submissionId, attempt: job.priorAttempts + attemptNumber, code: failure.code, reason: failure.reason, willRetry, nextRetryAt },
      });
      if (willRetry) {
        this.metrics.outcomes.retry += 1;
        throw failure;
      }
      this.metrics.outcomes.failed += 1;
      await this.failForGood(job, failure.code, exhaustedReason(failure), attemptNumber);
    }
  }

  /** The dead-letter queue's handler: the last attempt died without answering (crash, expiry). */
  async giveUp(job: PricingJobData): Promise<void> {
    const state = await this.loadReadable(job);
    if (!state) return;
    const reason = `we could not price your model: the calculation was interrupted ${PRICING_MAX_ATTEMPTS} times. Please place the order again; if it happens again, contact support with order ${job.orderId}.`;
    if (this.isCurrent(job, state)) await this.failForGood(job, 'PRICING_INTERRUPTED', reason, PRICING_MAX_ATTEMPTS);
    else await this.recordDeadLetter(job, 'PRICING_INTERRUPTED', reason, PRICING_MAX_ATTEMPTS);
  }

  private async price(job: PricingJobData, state: OrderState) {
    const model = state.model;
    if (!model) throw new PermanentPricingFailure('MODEL_MISSING', 'the order has no model; upload one and submit again');
    const material = state.material ? await this.priceList.priceOf(state.material) : null;
    if (!material) {
      throw new PermanentPricingFailure('MATERIAL_NOT_PRICED', `the material ${state.material} is not in our price list any more; please order again in another material`);
    }
    let bytes: Buffer;
    try {
      bytes = await this.blobs.getBuffer(model.blobKey);
    } catch (error) {
      if (error instanceof BlobNotFoundError)
        throw new PermanentPricingFailure('MODEL_MISSING', 'the uploaded model file is no longer available; please upload it again in a new order');
      throw new TransientPricingFailure('STORAGE_UNAVAILABLE', `the model storage could not be reached: ${describe(error)}`);
    }
    const geometry = await this.analyze(job, bytes);
    if (!geometry.ok) {
      const errors = geometry.issues.filter((issue) => issue.severity === 'error');
      const code = errors[0]?.code ?? 'INVALID_MODEL';
      throw new PermanentPricingFailure(
        code,
        `your model cannot be manufactured as it is: ${truncate(errors.map((issue) => issue.message).join('; '), 600)}. Please repair the model (for example in your CAD tool's mesh check) and place the order again.`,
      );
    }
    return calculatePrice(geometry, material);
  }

  private async analyze(job: PricingJobData, bytes: Buffer): Promise<GeometryResult> {
    const started = performance.now();
    try {
      return await this.pool.analyze(bytes, {}, 'order');
    } catch (error) {
      if (error instanceof CalculationTimeoutError) {
        this.metrics.timeouts += 1;
        throw new TransientPricingFailure('PRICING_TIMEOUT', error.message);
      }
      if (error instanceof WorkerCrashedError) throw new TransientPricingFailure('WORKER_CRASHED', error.message);
      throw error;
    } finally {
      this.metrics.calculationSeconds.observe((performance.now() - started) / 1000);
      this.logger.debug(`order ${job.orderId}: geometry in ${Math.round(performance.now() - started)} ms`);
    }
  }

  /**
   * pg-boss retried this job without our having recorded why: the previous
   * attempt's process died (SIGKILL, OOM) or outlived its expiry. Say so in
   * the history before trying again.
   */
  private async recordInterruptedAttempts(job: PricingJobData, state: OrderState, retryCount: number): Promise<void> {
    const recorded = state.pricingAttempts - job.priorAttempts;
    for (let attempt = recorded + 1; attempt <= retryCount; attempt++) {
      await this.command(job, {
        type: 'RecordPricingAttemptFailure',
        data: {
          submissionId: job.submissionId,
          attempt: job.priorAttempts + attempt,
          code: 'WORKER_INTERRUPTED',
          reason: 'the pricing worker stopped before finishing (process restart or crash); retrying',
          willRetry: true,
          nextRetryAt: new Date().toISOString(),
        },
      });
    }
  }

  private async failForGood(job: PricingJobData, code: string, reason: string, attempts: number): Promise<void> {
    await this.command(job, { type: 'FailPricing', data: { submissionId: job.submissionId, code, reason } });
    await this.recordDeadLetter(job, code, reason, attempts);
  }

  private async recordDeadLetter(job: PricingJobData, code: string, reason: string, attempts: number): Promise<void> {
    const added = await this.deadLetters.record({ jobId: job.jobId, orderId: job.orderId, submissionId: job.submissionId, code, reason, attempts });
    if (added) this.metrics.deadLetters += 1;
    this.logger.warn(`order ${job.orderId}: pricing failed for good (${code}): ${reason}`);
  }

  /**
   * The order's state, or null when its stream holds an event this version
   * cannot read: no outcome could be recorded (the lifecycle refuses the
   * order), so retrying is pointless. The job is moot; the order's diagnosis
   * shows the unreadable event, and support's retry-pricing works again once
   * it is repaired.
   */
  private async loadReadable(job: PricingJobData): Promise<OrderState | null> {
    try {
      return (await this.orders.load(job.orderId)).state;
    } catch (error) {
      if (!(error instanceof OrderStreamCorruptError)) throw error;
      this.metrics.outcomes.stale += 1;
      this.logger.warn(`order ${job.orderId}: not priced, its stream cannot be read: ${error.message}`);
      return null;
    }
  }

  private isCurrent(job: PricingJobData, state: OrderState): boolean {
    return state.exists && state.status === 'SUBMITTED' && state.submissionId === job.submissionId;
  }

  /** Runs a pricing command; a refusal because the order moved on (priced, cancelled, resubmitted) means the job is moot. */
  private async command(job: PricingJobData, command: OrderCommandRequest): Promise<void> {
    // The service adds the active trace (the job's span, a child of the submitting request's).
    const context: CommandContext = { actor: PRICING_ACTOR, correlationId: job.submissionId, causationId: job.jobId };
    try {
      await this.orders.execute(job.orderId, command, context);
    } catch (error) {
      if (
        error instanceof IllegalTransitionError ||
        (error instanceof DomainValidationError && error.code === 'STALE_SUBMISSION') ||
        // An unreadable event was appended meanwhile: nothing can be recorded on this order until it is repaired.
        error instanceof OrderStreamCorruptError
      ) {
        this.logger.log(`order ${job.orderId}: ${command.type} skipped, the order moved on (${error.message})`);
        return;
      }
      throw error;
    }
  }
}

function exhaustedReason(failure: TransientPricingFailure): string {
  return `we could not price your model after ${PRICING_MAX_ATTEMPTS} attempts (${failure.reason}). Please place the order again later; if it keeps failing, contact support.`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** For tests and tools: a job payload for a fresh submission. */
export function submissionJob(orderId: string, submissionId: string = randomUUID()): PricingJobData {
  return { orderId, submissionId, jobId: submissionId, priorAttempts: 0 };
}
