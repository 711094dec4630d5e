import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppSettings } from '../../../config/app-settings';
import type { Principal } from '../../../infrastructure/auth/principal';
import { BlobStorage, BlobTooLargeError } from '../../../infrastructure/blob-storage/blob-storage.port';
import { ApiError } from '../../../infrastructure/http/api-error';
import type { CommandContext } from '../../../shared/order-commands/command-context';
import { assertCanAccess } from '../../../shared/order-commands/order-access';
import { OrderCommandExecutor } from '../../../shared/order-commands/order-command.executor';
import { type OrderView, toOrderView } from '../../../shared/order-commands/order-view';
import { allowedCommands, canApply, IllegalTransitionError, type OrderState } from '../../../shared/order-lifecycle';
import { ModelSniffer } from '../../pricing';

export interface UploadRequest {
  orderId: string;
  body: IncomingMessage;
  contentLength: number | undefined;
  principal: Principal;
  actingRole: string;
  context: CommandContext;
}

/**
 * A model upload: the raw body streams into blob storage through a sniffer
 * that measures and recognises it; only a readable model becomes a
 * ModelUploaded event. Anything refused leaves the order where it was and
 * no blob behind, so the customer can simply upload again.
 */
@Injectable()
export class ModelUploadService {
  private readonly logger = new Logger(ModelUploadService.name);
  private readonly maxBytes: number;

  constructor(
    @Inject(BlobStorage) private readonly blobs: BlobStorage,
    private readonly orders: OrderCommandExecutor,
    settings: AppSettings,
  ) {
    this.maxBytes = settings.config.models.maxBytes;
  }

  async upload(request: UploadRequest): Promise<OrderView> {
    const { orderId, body, principal, actingRole, context } = request;
    try {
      if (request.contentLength !== undefined && request.contentLength > this.maxBytes) throw this.tooLarge();
      // Refuse before reading a byte when the order cannot take a model now.
      const authorize = (state: OrderState) => assertCanAccess(principal, actingRole, state);
      const { state } = await this.orders.load(orderId, { authorize });
      authorize(state);
      if (state.status && !canApply('AttachModel', state.status)) {
        throw new IllegalTransitionError(state.status, 'AttachModel', allowedCommands(state.status));
      }
    } catch (error) {
      discard(body);
      throw error;
    }

    const blobKey = `models/${orderId}/${randomUUID()}`;
    const sniffer = new ModelSniffer();
    // Its failure is seen through blobs.put below; once that has let go, a late one must not be an uncaught 'error'.
    sniffer.on('error', () => undefined);
    body.pipe(sniffer);
    // pipe() does not pass errors on: without this, a client hanging up mid-body would leave the blob write waiting forever.
    const stopWatching = finished(body, (error) => {
      if (error) sniffer.destroy(error);
    });
    let stored;
    try {
      stored = await this.blobs.put(blobKey, sniffer, { maxBytes: this.maxBytes, contentType: 'application/octet-stream' });
    } catch (error) {
      body.unpipe(sniffer);
      discard(body);
      if (error instanceof BlobTooLargeError) throw this.tooLarge();
      throw error;
    } finally {
      stopWatching();
    }

    const verdict = sniffer.result();
    if (!verdict.ok) {
      await this.blobs.delete(blobKey);
      throw new ApiError(verdict.code === 'EMPTY_BODY' ? 400 : 422, verdict.code, verdict.message);
    }
    try {
      const result = await this.orders.execute(
        orderId,
        {
          type: 'AttachModel',
          data: {
            source: 'upload',
            blobKey,
            sha256: stored.sha256,
            sizeBytes: stored.sizeBytes,
            format: verdict.format,
            triangleCount: verdict.triangleCount,
          },
          metadata: { now: new Date().toISOString(), actor: context.actor },
        },
        context,
        { authorize: (current) => assertCanAccess(principal, actingRole, current) },
      );
      return toOrderView(result.state, result.revision);
    } catch (error) {
      await this.blobs.delete(blobKey).catch((cleanup: unknown) => this.logger.warn({ err: cleanup, blobKey }, 'orphan model blob'));
      throw error;
    }
  }

  private tooLarge(): ApiError {
    return new ApiError(413, 'MODEL_TOO_LARGE', `the model is larger than ${this.maxBytes} bytes`, { maxBytes: this.maxBytes }, { connection: 'close' });
  }
}

/** Lets the rest of a refused body flow away, so the client still reads our answer instead of a reset. */
function discard(body: IncomingMessage): void {
  if (!body.readableEnded) body.resume();
}
