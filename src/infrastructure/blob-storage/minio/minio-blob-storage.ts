import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'minio';
import { assertValidBlobKey, BlobStorage, type PutOptions, type StoredBlob } from '../blob-storage.port';
import { MeasuringStream } from '../measuring-stream';
import { errorCode, isNotFound, toBlobStorageError } from './minio-errors';
import { MIN_PART_SIZE_BYTES, uploadStream } from './streaming-upload';

export interface MinioBlobStorageOptions {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** Default us-east-1. Setting it spares the client a GetBucketLocation round trip per bucket. */
  region?: string;
  /** Size of multipart parts, which is also about the most one put holds in memory. Default 8 MiB, at least 5 MiB. */
  partSizeBytes?: number;
}

export interface S3Credentials {
  accessKey: string;
  secretKey: string;
  region?: string;
}

const DEFAULT_REGION = 'us-east-1';
/** 8 MiB parts: 16 concurrent uploads hold ~128 MiB, and 10,000 parts still allow 80 GiB objects. */
const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;

/**
 * Blobs as objects in one MinIO/S3 bucket, the key being the object name.
 * The bucket is created on first use. Puts are streamed (see uploadStream)
 * and become visible only when complete.
 */
export class MinioBlobStorage extends BlobStorage {
  readonly adapterName = 'minio';
  private readonly client: Client;
  private readonly bucket: string;
  private readonly region: string;
  private readonly partSizeBytes: number;
  /** Memoised "bucket exists"; cleared on failure so the next call tries again. */
  private bucketReady: Promise<void> | undefined;

  constructor(options: MinioBlobStorageOptions) {
    super();
    this.bucket = options.bucket;
    this.region = options.region ?? DEFAULT_REGION;
    this.partSizeBytes = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    if (!Number.isSafeInteger(this.partSizeBytes) || this.partSizeBytes < MIN_PART_SIZE_BYTES) {
      throw new RangeError(`partSizeBytes must be an integer of at least ${MIN_PART_SIZE_BYTES}, got ${this.partSizeBytes}`);
    }
    this.client = new Client({
      endPoint: options.endPoint,
      port: options.port,
      useSSL: options.useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: this.region,
    });
  }

  /** From an S3_ENDPOINT such as `http://127.0.0.1:9000` or `https://s3.example.com`. */
  static fromUrl(s3Endpoint: string, credentials: S3Credentials, bucket: string): MinioBlobStorage {
    const { accessKey, secretKey, region } = credentials;
    return new MinioBlobStorage({ ...parseS3Endpoint(s3Endpoint), accessKey, secretKey, region, bucket });
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredBlob> {
    try {
      assertValidBlobKey(key);
      await this.ensureBucket();
      const meter = new MeasuringStream(options.maxBytes);
      const target = { client: this.client, bucket: this.bucket, key, contentType: options.contentType };
      await pipeline(body, meter, (measured: AsyncIterable<Buffer>) => uploadStream(target, measured, this.partSizeBytes));
      return { key, ...meter.measurement() };
    } catch (error) {
      // put owns the body: whatever failed, stop the producer (pipeline already did if it got that far).
      body.destroy();
      throw this.failure(error);
    }
  }

  async get(key: string): Promise<Readable> {
    assertValidBlobKey(key);
    try {
      await this.ensureBucket();
      return await this.client.getObject(this.bucket, key);
    } catch (error) {
      throw this.failure(error, key);
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    const stream = await this.get(key);
    try {
      return Buffer.concat((await stream.toArray()) as Buffer[]);
    } catch (error) {
      throw this.failure(error, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    assertValidBlobKey(key);
    try {
      await this.ensureBucket();
      await this.client.statObject(this.bucket, key);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.failure(error);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidBlobKey(key);
    try {
      await this.ensureBucket();
      // S3 answers 204 for a missing key as well; NotFound is tolerated for stores that do not.
      await this.client.removeObject(this.bucket, key);
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.failure(error);
    }
  }

  /** Asks the server every time (readiness must not answer from memory) and recreates a bucket removed under us. */
  async ping(): Promise<void> {
    try {
      await this.createBucketIfMissing();
      this.bucketReady = Promise.resolve();
    } catch (error) {
      throw this.failure(error);
    }
  }

  private ensureBucket(): Promise<void> {
    this.bucketReady ??= this.createBucketIfMissing().catch((error: unknown) => {
      this.bucketReady = undefined;
      throw error;
    });
    return this.bucketReady;
  }

  private async createBucketIfMissing(): Promise<void> {
    if (await this.client.bucketExists(this.bucket)) return;
    try {
      await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      // Another replica created it between our check and our request.
      if (errorCode(error) !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }

  private failure(error: unknown, key?: string): unknown {
    if (errorCode(error) === 'NoSuchBucket') this.bucketReady = undefined;
    return toBlobStorageError(error, key);
  }
}

export function parseS3Endpoint(s3Endpoint: string): Pick<MinioBlobStorageOptions, 'endPoint' | 'port' | 'useSSL'> {
  const url = new URL(s3Endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`S3 endpoint must be an http(s) URL, got ${JSON.stringify(s3Endpoint)}`);
  }
  // The minio client addresses buckets at the root of the host: a path would be silently dropped.
  if (url.pathname !== '/' || url.search !== '' || url.username !== '') {
    throw new Error(`S3 endpoint must be scheme://host[:port] only, got ${JSON.stringify(s3Endpoint)}`);
  }
  const useSSL = url.protocol === 'https:';
  return {
    // URL keeps IPv6 literals in brackets; the client wants the bare address.
    endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (useSSL ? 443 : 80) : Number(url.port),
    useSSL,
  };
}
