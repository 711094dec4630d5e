import { Logger } from '@nestjs/common';
import type { Client } from 'minio';
import { uploadStream } from './streaming-upload';

/** Records the S3 calls uploadStream makes; parts can be held back to observe backpressure. */
class FakeS3 {
  readonly calls: string[] = [];
  readonly parts: { partNumber: number; body: Buffer }[] = [];
  singlePut: { body: Buffer; size: number; metadata: unknown } | undefined;
  completed: { part: number; etag: string }[] | undefined;
  failPart: Error | undefined;
  failAbort: Error | undefined;
  holdParts: Promise<void> = Promise.resolve();

  asClient(): Client {
    return this as unknown as Client;
  }

  async putObject(_bucket: string, _key: string, body: Buffer, size: number, metadata: unknown): Promise<void> {
    this.calls.push('putObject');
    this.singlePut = { body, size, metadata };
  }

  async initiateNewMultipartUpload(bucket: string, key: string, headers: unknown): Promise<string> {
    this.calls.push(`initiate ${bucket}/${key} ${JSON.stringify(headers)}`);
    return 'upload-1';
  }

  async uploadPart(config: { uploadID: string; partNumber: number }, body: Buffer): Promise<{ etag: string }> {
    this.calls.push(`part ${config.partNumber} of ${config.uploadID}`);
    await this.holdParts;
    if (this.failPart) throw this.failPart;
    this.parts.push({ partNumber: config.partNumber, body });
    return { etag: `etag-${config.partNumber}` };
  }

  async completeMultipartUpload(_bucket: string, _key: string, uploadId: string, etags: { part: number; etag: string }[]): Promise<void> {
    this.calls.push(`complete ${uploadId}`);
    this.completed = etags;
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    this.calls.push(`abort ${bucket}/${key} ${uploadId}`);
    if (this.failAbort) throw this.failAbort;
  }
}

const PART = 10;

function target(s3: FakeS3) {
  return { client: s3.asClient(), bucket: 'b', key: 'models/x.stl', contentType: 'model/stl' };
}

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

function bytes(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, index) => index % 251));
}

describe('uploadStream', () => {
  // The abort warning is expected in these tests; jest gives each file its own Logger, so this does not leak.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('sends a body shorter than a part in one PUT', async () => {
    const s3 = new FakeS3();
    const body = bytes(PART - 1);

    await uploadStream(target(s3), chunksOf(body, 3), PART);

    expect(s3.calls).toEqual(['putObject']);
    expect(s3.singlePut).toEqual({ body, size: PART - 1, metadata: { 'Content-Type': 'model/stl' } });
  });

  it('sends a longer body as numbered parts of at least the part size, then completes', async () => {
    const s3 = new FakeS3();
    const body = bytes(2 * PART + 5);

    await uploadStream(target(s3), chunksOf(body, 4), PART);

    expect(s3.calls).toEqual(['initiate b/models/x.stl {"Content-Type":"model/stl"}', 'part 1 of upload-1', 'part 2 of upload-1', 'part 3 of upload-1', 'complete upload-1']);
    expect(s3.parts.slice(0, -1).every((part) => part.body.length >= PART)).toBe(true);
    expect(Buffer.concat(s3.parts.map((part) => part.body)).equals(body)).toBe(true);
    expect(s3.completed).toEqual([1, 2, 3].map((part) => ({ part, etag: `etag-${part}` })));
  });

  it('sends no empty last part when the body ends on a part boundary', async () => {
    const s3 = new FakeS3();

    await uploadStream(target(s3), chunksOf(bytes(2 * PART), PART), PART);

    expect(s3.parts.map((part) => part.body.length)).toEqual([PART, PART]);
    expect(s3.calls.at(-1)).toBe('complete upload-1');
  });

  it('aborts the multipart upload when the body fails, and rejects with the body error', async () => {
    const s3 = new FakeS3();
    const failure = new Error('too large');
    async function* failing(): AsyncGenerator<Buffer> {
      yield* chunksOf(bytes(PART + 1), PART + 1);
      throw failure;
    }

    await expect(uploadStream(target(s3), failing(), PART)).rejects.toBe(failure);

    expect(s3.calls).toEqual(expect.arrayContaining(['abort b/models/x.stl upload-1']));
    expect(s3.calls).not.toContain('complete upload-1');
  });

  it('aborts when a part upload fails, and a failing abort does not hide the first error', async () => {
    const s3 = new FakeS3();
    s3.failPart = new Error('connection reset');
    s3.failAbort = new Error('abort refused');

    await expect(uploadStream(target(s3), chunksOf(bytes(3 * PART), PART), PART)).rejects.toBe(s3.failPart);

    expect(s3.calls.at(-1)).toBe('abort b/models/x.stl upload-1');
  });

  it('does not pull more of the body while a part is being uploaded', async () => {
    const s3 = new FakeS3();
    let releaseParts!: () => void;
    s3.holdParts = new Promise((resolve) => (releaseParts = resolve));
    let pulled = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of chunksOf(bytes(5 * PART), PART / 2)) {
        pulled++;
        yield chunk;
      }
    }

    const uploading = uploadStream(target(s3), counted(), PART);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(pulled).toBe(2);
    releaseParts();
    await uploading;
    expect(pulled).toBe(10);
  });
});
