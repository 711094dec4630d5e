import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Client } from 'minio';

/** S3 refuses parts below 5 MiB (except the last one). */
export const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;

export interface UploadTarget {
  client: Client;
  bucket: string;
  key: string;
  contentType?: string;
}

/**
 * Streams `source` into one S3 object, holding at most about one part in
 * memory. A body shorter than a part goes up in a single PUT; a longer one
 * as a multipart upload that is completed only after the last byte arrived
 * and aborted on any failure, so a failed or refused upload never becomes
 * visible and an earlier object at the key stays as it was.
 *
 * Why not `client.putObject(key, stream)`: without a known size it sizes
 * parts for a 5 TiB object (about 530 MiB each, buffered in memory), looks up
 * and silently resumes any unfinished upload to the same key (another
 * writer's, or one we gave up on), and never aborts the upload it started.
 */
export async function uploadStream(target: UploadTarget, source: AsyncIterable<Buffer>, partSizeBytes: number): Promise<void> {
  const pending = new PendingBytes();
  let multipart: MultipartUpload | undefined;
  try {
    for await (const chunk of source) {
      pending.add(chunk);
      if (pending.size >= partSizeBytes) {
        multipart ??= await MultipartUpload.start(target);
        // Awaiting here stops the loop from pulling more chunks: backpressure reaches the producer.
        await multipart.addPart(pending.take());
      }
    }
    if (multipart === undefined) {
      await putInOneRequest(target, pending.take());
      return;
    }
    if (pending.size > 0) await multipart.addPart(pending.take());
    await multipart.complete();
  } catch (error) {
    await multipart?.abort();
    throw error;
  }
}

async function putInOneRequest(target: UploadTarget, body: Buffer): Promise<void> {
  const metadata = target.contentType === undefined ? {} : { 'Content-Type': target.contentType };
  await target.client.putObject(target.bucket, target.key, body, body.length, metadata);
}

/** Chunks collected until they make a part; copied into one Buffer only when a part is sent. */
class PendingBytes {
  private chunks: Buffer[] = [];
  size = 0;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  take(): Buffer {
    const all = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return all;
  }
}

class MultipartUpload {
  private static readonly logger = new Logger('MinioBlobStorage');
  private readonly parts: { part: number; etag: string }[] = [];

  private constructor(
    private readonly target: UploadTarget,
    private readonly uploadId: string,
  ) {}

  static async start(target: UploadTarget): Promise<MultipartUpload> {
    const headers = target.contentType === undefined ? {} : { 'Content-Type': target.contentType };
    const uploadId = await target.client.initiateNewMultipartUpload(target.bucket, target.key, headers);
    return new MultipartUpload(target, uploadId);
  }

  async addPart(body: Buffer): Promise<void> {
    const partNumber = this.parts.length + 1;
    const { etag } = await this.target.client.uploadPart(
      {
        bucketName: this.target.bucket,
        objectName: this.target.key,
        uploadID: this.uploadId,
        partNumber,
        // The server checks the part against this digest, so a part damaged in transit is refused.
        headers: { 'Content-MD5': createHash('md5').update(body).digest('base64') },
      },
      body,
    );
    this.parts.push({ part: partNumber, etag });
  }

  async complete(): Promise<void> {
    await this.target.client.completeMultipartUpload(this.target.bucket, this.target.key, this.uploadId, this.parts);
  }

  /** Best effort: the caller is already failing with the error that matters; leftover parts only cost space. */
  async abort(): Promise<void> {
    try {
      await this.target.client.abortMultipartUpload(this.target.bucket, this.target.key, this.uploadId);
    } catch (error) {
      MultipartUpload.logger.warn(
        `could not abort multipart upload ${this.uploadId} of ${this.target.key} (its parts stay until a bucket lifecycle rule removes them): ${String(error)}`,
      );
    }
  }
}
