import type { Readable } from 'node:stream';

/**
 * Blob storage port: 3D model files. Writes are streamed (a 50 MB upload is
 * never held in memory whole) and measured on the way through: size and
 * SHA-256 come back from `put`. Adapters: filesystem (default, ./.data/blobs)
 * and MinIO/S3 (S3_ENDPOINT), checked by one contract suite.
 */

export interface StoredBlob {
  key: string;
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the stored bytes. */
  sha256: string;
}

export interface PutOptions {
  /** Refuse (BlobTooLargeError) and keep nothing once the body passes this many bytes. */
  maxBytes?: number;
  contentType?: string;
}

export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`blob larger than ${maxBytes} bytes`);
  }
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`blob ${key} not found`);
  }
}

export class BlobStorageUnavailableError extends Error {
  override readonly name = 'BlobStorageUnavailableError';
}

/** Keys are relative paths of [a-zA-Z0-9._-] segments separated by '/', e.g. `models/<order>/<uuid>.stl`. */
export abstract class BlobStorage {
  abstract readonly adapterName: string;
  /** Streams `body` into `key` (replacing it); the blob becomes visible only once complete. */
  abstract put(key: string, body: Readable, options?: PutOptions): Promise<StoredBlob>;
  /** A stream of the blob's bytes; rejects with BlobNotFoundError. */
  abstract get(key: string): Promise<Readable>;
  /** The whole blob in memory (pricing parses it from a Buffer); rejects with BlobNotFoundError. */
  abstract getBuffer(key: string): Promise<Buffer>;
  abstract exists(key: string): Promise<boolean>;
  /** No error when the key does not exist. */
  abstract delete(key: string): Promise<void>;
  /** Throws when the storage cannot be reached (readiness). */
  abstract ping(): Promise<void>;
}

const KEY_PATTERN = /^[a-zA-Z0-9._-]+(\/[a-zA-Z0-9._-]+)*$/;

export function assertValidBlobKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
  }
}
