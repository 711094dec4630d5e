import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppSettings } from '../../../config/app-settings';
import type { Principal } from '../../../infrastructure/auth/principal';
import { BlobStorage, BlobTooLargeError } from '../../../infrastructure/blob-storage/blob-storage.port';
import { ApiError, notFound } from '../../../infrastructure/http/api-error';
import { ModelSniffer } from '../model-intake/model-sniffer';
import { CalculationTimeoutError, GeometryPool } from '../calculation/geometry-pool';
import { PricingQueue } from '../jobs/pricing-queue';
import { calculatePrice } from '../price-rules/calculate-price';
import { PriceListService } from '../price-rules/price-list.service';
import { PricingMetrics } from '../pricing-metrics';
import { type QuoteRecord, QuotesRepository } from './quotes.repository';

export interface QuoteAnswer {
  /** 200: finished (priced, or the model was refused: see status); 202: still calculating, poll `location`. */
  httpStatus: 200 | 202;
  location: string;
  body: QuoteView;
}

export interface QuoteView {
  id: string;
  status: QuoteRecord['status'];
  material: string;
  currency?: string;
  total?: number;
  breakdown?: unknown;
  error?: QuoteRecord['error'];
}

const QUOTE_PATH = '/api/partner/v1/quotes';
/** A pending quote's deadline: its calculation's limit plus this margin, moved ahead every QUOTE_HEARTBEAT_MS while it waits. */
const QUOTE_DEADLINE_MARGIN_MS = 10_000;
const QUOTE_HEARTBEAT_MS = 3_000;

/**
 * A price for a model without an order. The model streams into blob
 * storage (at most QUOTE_MAX_CONCURRENT_UPLOADS_PER_KEY uploads per API key
 * at once); the geometry runs in the same worker threads as order pricing,
 * after any waiting order (GeometryPool priorities); the partner waits at most
 * QUOTE_SYNC_WAIT_MS, then gets 202 and a Location to poll. When more work
 * is already waiting than QUOTE_MAX_QUEUE_DEPTH, the answer is 503 with
 * Retry-After at once, instead of an ever longer wait.
 */
@Injectable()
export class QuoteService implements OnModuleDestroy {
  private readonly logger = new Logger(QuoteService.name);
  /** Quote uploads streaming now, per API key (per partner for a caller without one). */
  private readonly uploads = new Map<string, number>();
  /** Quotes this process has accepted and not finished: their deadline is kept ahead while they wait for a thread. */
  private readonly pending = new Set<string>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly settings: AppSettings,
    private readonly pool: GeometryPool,
    private readonly queue: PricingQueue,
    private readonly priceList: PriceListService,
    private readonly quotes: QuotesRepository,
    private readonly metrics: PricingMetrics,
    @Inject(BlobStorage) private readonly blobs: BlobStorage,
  ) {}

  async quote(principal: Principal, material: string | undefined, body: IncomingMessage, contentLength: number | undefined): Promise<QuoteAnswer> {
    const partnerId = principal.id;
    const maxBytes = this.settings.config.models.maxBytes;
    const uploader = principal.apiKey?.id ?? partnerId;
    let release: (() => void) | undefined;
    try {
      if (!material) throw new ApiError(400, 'MATERIAL_REQUIRED', 'name the material in the query: ?material=GOLD_750');
      await this.priceList.assertOrderable(material);
      await this.shedWhenBusy();
      if (contentLength !== undefined && contentLength > maxBytes) throw tooLarge(maxBytes);
      release = this.uploadSlot(uploader);
    } catch (error) {
      discard(body);
      throw error;
    }

    const id = randomUUID();
    const blobKey = `quotes/${id}`;
    try {
      await this.store(blobKey, body, maxBytes);
    } finally {
      release();
    }

    const price = await this.priceList.priceOf(material);
    if (!price) {
      await this.deleteBlob(blobKey);
      throw new ApiError(422, 'UNKNOWN_MATERIAL', `unknown material ${material}`);
    }
    const { quoteSyncWaitMs } = this.settings.config.pricing;
    // Past the deadline a pending quote is reported as failed (the process that computed it is gone);
    // while this process lives, the heartbeat keeps it ahead, however long the quote waits for a thread.
    await this.quotes.insertPending({ id, partnerId, material, deadlineAt: this.nextDeadline() });
    this.track(id);

    // The model waits in blob storage, not in memory: it is read once a thread is free for it.
    const analysis = this.pool.analyze(() => this.blobs.getBuffer(blobKey), {}, 'quote');
    void analysis.finally(() => this.deleteBlob(blobKey)).catch(() => undefined);
    const stored = analysis.then(
      async (geometry) => {
        if (!geometry.ok) {
          const errors = geometry.issues.filter((issue) => issue.severity === 'error');
          await this.quotes.finish(id, 'rejected', {
            error: {
              code: errors[0]?.code ?? 'INVALID_MODEL',
              message: `the model cannot be manufactured: ${errors.map((issue) => issue.message).join('; ')}`,
              details: { issues: errors },
            },
          });
          return;
        }
        const calculated = calculatePrice(geometry, price);
        await this.quotes.finish(id, 'done', { result: { currency: calculated.currency, total: calculated.total, breakdown: calculated.breakdown } });
      },
      async (error: unknown) => {
        const code = error instanceof CalculationTimeoutError ? 'PRICING_TIMEOUT' : 'PRICING_FAILED';
        if (error instanceof CalculationTimeoutError) this.metrics.timeouts += 1;
        await this.quotes.finish(id, 'failed', { error: { code, message: error instanceof Error ? error.message : String(error) } });
      },
    );
    const outcome = stored.finally(() => this.untrack(id));
    const settled = await Promise.race([outcome.then(() => true), delay(quoteSyncWaitMs).then(() => false)]);
    if (!settled) outcome.catch((error: unknown) => this.logger.warn(`quote ${id} could not be stored: ${String(error)}`));
    const view = await this.view(id, partnerId);
    if (view.status === 'rejected' && view.error) {
      // Refused at once: the same answer an invalid upload gets.
      throw new ApiError(422, view.error.code, view.error.message, { quoteId: id, ...view.error.details });
    }
    return { httpStatus: view.status === 'pending' ? 202 : 200, location: `${QUOTE_PATH}/${id}`, body: view };
  }

  onModuleDestroy(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  async view(id: string, partnerId: string): Promise<QuoteView> {
    const quote = await this.quotes.find(id);
    // Another partner's quote is as unknown as a missing one.
    if (!quote || quote.partnerId !== partnerId) throw notFound('QUOTE_NOT_FOUND', 'no such quote');
    if (quote.status === 'pending' && Date.parse(quote.deadlineAt) < Date.now()) {
      return { id, status: 'failed', material: quote.material, error: { code: 'QUOTE_INTERRUPTED', message: 'the calculation was interrupted; request the quote again' } };
    }
    return { id, status: quote.status, material: quote.material, ...(quote.result ?? {}), ...(quote.error ? { error: quote.error } : {}) };
  }

  /**
   * Streams the body into blob storage through the sniffer (the same path as a shop upload): the
   * memory held is a chunk, not the model. A client that stalls is cut off by the server's idle
   * timeout, which fails the stream and so ends this; a refused body leaves no blob behind.
   */
  private async store(blobKey: string, body: IncomingMessage, maxBytes: number): Promise<void> {
    const sniffer = new ModelSniffer();
    // Its failure is seen through blobs.put below; once that has let go, a late one must not be an uncaught 'error'.
    sniffer.on('error', () => undefined);
    body.pipe(sniffer);
    // pipe() does not pass errors on: without this, a client hanging up mid-body would leave the blob write waiting forever.
    const stopWatching = finished(body, (error) => {
      if (error) sniffer.destroy(error);
    });
    try {
      await this.blobs.put(blobKey, sniffer, { maxBytes, contentType: 'application/octet-stream' });
    } catch (error) {
      body.unpipe(sniffer);
      discard(body);
      if (error instanceof BlobTooLargeError) throw tooLarge(maxBytes);
      throw error;
    } finally {
      stopWatching();
    }
    const verdict = sniffer.result();
    if (!verdict.ok) {
      await this.deleteBlob(blobKey);
      throw new ApiError(verdict.code === 'EMPTY_BODY' ? 400 : 422, verdict.code, verdict.message);
    }
  }

  /** One of the key's QUOTE_MAX_CONCURRENT_UPLOADS_PER_KEY upload slots, or 429; the answer frees it (once). */
  private uploadSlot(uploader: string): () => void {
    const limit = this.settings.config.pricing.quoteMaxConcurrentUploadsPerKey;
    const inFlight = this.uploads.get(uploader) ?? 0;
    if (inFlight >= limit) {
      throw new ApiError(
        429,
        'QUOTE_UPLOADS_BUSY',
        `this API key already has ${inFlight} quote uploads in progress (at most ${limit}); retry once one has finished`,
        { inFlight, limit, retryAfterSeconds: 1 },
        { 'retry-after': '1' },
      );
    }
    this.uploads.set(uploader, inFlight + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.uploads.get(uploader) ?? 1) - 1;
      if (left > 0) this.uploads.set(uploader, left);
      else this.uploads.delete(uploader);
    };
  }

  private nextDeadline(): Date {
    return new Date(Date.now() + this.settings.config.pricing.timeoutMs + QUOTE_DEADLINE_MARGIN_MS);
  }

  private track(id: string): void {
    this.pending.add(id);
    this.heartbeat ??= setInterval(() => {
      this.quotes.extendDeadlines([...this.pending], this.nextDeadline()).catch((error: unknown) => this.logger.warn(`quote deadlines not extended: ${String(error)}`));
    }, QUOTE_HEARTBEAT_MS).unref();
  }

  private untrack(id: string): void {
    this.pending.delete(id);
    if (this.pending.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  private async deleteBlob(blobKey: string): Promise<void> {
    await this.blobs.delete(blobKey).catch((error: unknown) => this.logger.warn(`quote model ${blobKey} could not be deleted: ${String(error)}`));
  }

  private async shedWhenBusy(): Promise<void> {
    const limit = this.settings.config.pricing.quoteMaxQueueDepth;
    const waiting = this.pool.queueSize + (await this.queue.depth());
    if (waiting < limit) return;
    this.metrics.quotesShed += 1;
    const { sum, count } = this.metrics.calculationSeconds;
    const averageSeconds = count > 0 ? sum / count : 1;
    const retryAfter = Math.min(60, Math.max(1, Math.ceil((waiting * averageSeconds) / this.pool.threads)));
    throw new ApiError(
      503,
      'PRICING_BUSY',
      `pricing is busy (${waiting} calculations waiting); retry in ${retryAfter} s`,
      { waiting, retryAfterSeconds: retryAfter },
      {
        'retry-after': String(retryAfter),
      },
    );
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'MODEL_TOO_LARGE', `the model is larger than ${maxBytes} bytes`, { maxBytes }, { connection: 'close' });
}

/** Lets the rest of a refused body flow away, so the client still reads our answer instead of a reset. */
function discard(body: IncomingMessage): void {
  if (!body.readableEnded) body.resume();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
