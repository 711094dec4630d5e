import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BlobTooLargeError } from './blob-storage.port';

export interface Measurement {
  sizeBytes: number;
  sha256: string;
}

/**
 * Pass-through that hashes and counts the bytes of a blob on their way to
 * storage, so `put` can answer size and SHA-256 without a second read, and
 * that fails with BlobTooLargeError the moment the body passes `maxBytes`
 * (before the offending chunk goes downstream), so no adapter ever writes
 * more than the limit.
 */
export class MeasuringStream extends Transform {
  private readonly hash = createHash('sha256');
  private sizeBytes = 0;
  private digest: string | undefined;

  constructor(private readonly maxBytes?: number) {
    super();
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
      throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sizeBytes += chunk.length;
    if (this.maxBytes !== undefined && this.sizeBytes > this.maxBytes) {
      callback(new BlobTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    callback();
  }

  /** Size and hash of everything that passed; only meaningful once the body has ended. */
  measurement(): Measurement {
    if (this.digest === undefined) throw new Error('MeasuringStream: the body has not ended yet');
    return { sizeBytes: this.sizeBytes, sha256: this.digest };
  }
}
