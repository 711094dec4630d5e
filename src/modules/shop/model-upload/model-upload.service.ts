import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppSettings } from '../../../config/app-settings';
import { BlobStorage, BlobTooLargeError } from '../../../infrastructure/blob-storage/blob-storage.port';
import type { CommandContext } from '../../../shared/order-commands/command-context';
import type { OrderAccess } from '../../../shared/order-commands/order-access';
import { OrderCommands } from '../../../shared/order-commands/order-commands.service';
import type { OrderView } from '../../../shared/order-commands/order-view';
import { ModelSniffer } from '../../pricing';
import { ModelRejectedError, ModelTooLargeError } from './model-upload.errors';

export interface UploadRequest {
  orderId: string;
  body: IncomingMessage;
  contentLength: number | undefined;
  /** Who may upload: the customer or partner who owns the order. */
  access: OrderAccess;
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
    private readonly orders: OrderCommands,
    settings: AppSettings,
  ) {
    this.maxBytes = settings.config.models.maxBytes;
  }

  async upload(request: UploadRequest): Promise<OrderView> {
    const { orderId, body, access, context } = request;
    try {
      if (request.contentLength !== undefined && request.contentLength > this.maxBytes) throw new ModelTooLargeError(this.maxBytes);
      // Refuse before reading a byte when the order cannot take a model now.
      await this.orders.assertAccepts(orderId, 'AttachModel', access);
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
      if (error instanceof BlobTooLargeError) throw new ModelTooLargeError(this.maxBytes);
      throw error;
    } finally {
      stopWatching();
    }

    const verdict = sniffer.result();
    if (!verdict.ok) {
      await this.blobs.delete(blobKey);
      throw new ModelRejectedError(verdict.code, verdict.message);
    }
    try {
      return await this.orders.run(
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
        },
        context,
        access,
      );
    } catch (error) {
      await this.blobs.delete(blobKey).catch((cleanup: unknown) => this.logger.warn({ err: cleanup, blobKey }, 'orphan model blob'));
      throw error;
    }
  }
}

/** Lets the rest of a refused body flow away, so the client still reads our answer instead of a reset. */
function discard(body: IncomingMessage): void {
  if (!body.readableEnded) body.resume();
}
