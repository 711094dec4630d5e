import { BlobNotFoundError, BlobStorageUnavailableError, BlobTooLargeError } from '../blob-storage.port';

/** S3 codes for a missing object: GET answers NoSuchKey in its XML body, HEAD only has the 404 status. */
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound']);

/** Node socket and DNS errors: the server could not be reached or dropped the connection. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** S3 answers that mean "try again later", plus a bucket that vanished (an outage of our storage, not of one blob). */
const UNAVAILABLE_S3_CODES = new Set(['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'NoSuchBucket']);

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return NOT_FOUND_CODES.has(errorCode(error) ?? '');
}

/**
 * Turns what the minio client throws into the port's errors; anything else
 * (bad credentials, a bug) passes through unchanged so it is not mistaken for
 * an outage. `key` is given by the operations for which "not found" means a
 * missing blob.
 */
export function toBlobStorageError(error: unknown, key?: string): unknown {
  if (error instanceof BlobTooLargeError || error instanceof BlobNotFoundError || error instanceof BlobStorageUnavailableError) {
    return error;
  }
  if (key !== undefined && isNotFound(error)) return new BlobNotFoundError(key);
  if (isUnavailable(error)) {
    return new BlobStorageUnavailableError(`object storage unavailable: ${String(error)}`, {
      cause: error,
    });
  }
  return error;
}

function isUnavailable(error: unknown): boolean {
  const code = errorCode(error) ?? '';
  if (NETWORK_CODES.has(code) || UNAVAILABLE_S3_CODES.has(code)) return true;
  // After its retries on 5xx/429 the client throws a plain Error without a code; its message is all we have.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /Retryable HTTP status/.test(message);
}
