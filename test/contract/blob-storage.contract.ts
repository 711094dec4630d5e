import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setImmediate as nextTick } from 'node:timers/promises';
import { BlobNotFoundError, type BlobStorage, BlobTooLargeError } from '../../src/infrastructure/blob-storage/blob-storage.port';

export interface BlobStorageSubject {
  storage: BlobStorage;
  stop(): Promise<void>;
}

const MiB = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const CHUNK_TEMPLATE = randomBytes(CHUNK_BYTES);

/**
 * The behaviour every BlobStorage adapter owes its callers. Each test uses
 * its own keys, so the suite shares one storage per adapter.
 *
 * Decision recorded here: a put that fails for any reason (too large, the
 * body stream failing, storage errors) leaves the key exactly as it was:
 * absent if it was absent, the earlier blob if there was one. That follows
 * from "the blob becomes visible only once complete" and lets a retried
 * upload replace a model without first losing the old one.
 */
export function describeBlobStorageContract(name: string, factory: () => Promise<BlobStorageSubject>): void {
  describe(`BlobStorage contract: ${name}`, () => {
    let subject: BlobStorageSubject;
    let storage: BlobStorage;
    const newKey = (file = 'model.stl') => `models/${randomUUID()}/${file}`;

    beforeAll(async () => {
      subject = await factory();
      storage = subject.storage;
    });
    afterAll(async () => {
      await subject?.stop();
    });

    it('stores bytes and reports their size and SHA-256', async () => {
      const key = newKey();
      const bytes = randomBytes(100_000);

      const stored = await storage.put(key, Readable.from([bytes.subarray(0, 30_000), bytes.subarray(30_000)]));

      expect(stored).toEqual({ key, sizeBytes: bytes.length, sha256: sha256(bytes) });
      expect(await storage.exists(key)).toBe(true);
      expect((await storage.getBuffer(key)).equals(bytes)).toBe(true);
      expect((await readAll(await storage.get(key))).equals(bytes)).toBe(true);
    });

    it('stores an empty blob', async () => {
      const key = newKey();

      const stored = await storage.put(key, Readable.from([]));

      expect(stored).toEqual({ key, sizeBytes: 0, sha256: sha256(Buffer.alloc(0)) });
      expect(await storage.getBuffer(key)).toHaveLength(0);
    });

    it('streams a 20 MB body in and out with every byte in place', async () => {
      const key = newKey();
      const chunks = (20 * MiB) / CHUNK_BYTES;
      const expected = digestOf(numberedChunks(chunks));

      const stored = await storage.put(key, Readable.from(numberedChunks(chunks)), { maxBytes: 50 * MiB });

      expect(stored).toEqual({ key, sizeBytes: 20 * MiB, sha256: expected });
      const readBack = createHash('sha256');
      let readBytes = 0;
      for await (const chunk of await storage.get(key)) {
        readBack.update(chunk as Buffer);
        readBytes += (chunk as Buffer).length;
      }
      expect({ readBytes, sha256: readBack.digest('hex') }).toEqual({ readBytes: 20 * MiB, sha256: expected });
    });

    it('accepts a body of exactly maxBytes', async () => {
      const key = newKey();
      const bytes = randomBytes(4096);

      await expect(storage.put(key, Readable.from([bytes]), { maxBytes: 4096 })).resolves.toMatchObject({ sizeBytes: 4096 });
    });

    it('refuses a body over maxBytes, stops reading it and keeps nothing', async () => {
      const key = newKey();
      const body = Readable.from(endlessChunks());

      // An endless body: if the adapter kept reading after the limit, this would never settle.
      const error = await storage.put(key, body, { maxBytes: 100_000 }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(BlobTooLargeError);
      expect((error as BlobTooLargeError).maxBytes).toBe(100_000);
      expect(body.destroyed).toBe(true);
      expect(await storage.exists(key)).toBe(false);
      await expect(storage.getBuffer(key)).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('refuses a large body over maxBytes after part of it went to storage, and keeps nothing', async () => {
      const key = newKey();

      // 12 MiB in, past a multipart adapter's first parts, before the limit trips.
      const refused = storage.put(key, Readable.from(numberedChunks((20 * MiB) / CHUNK_BYTES)), { maxBytes: 12 * MiB });

      await expect(refused).rejects.toBeInstanceOf(BlobTooLargeError);
      expect(await storage.exists(key)).toBe(false);
    });

    it('keeps the earlier blob when a replacement is refused as too large', async () => {
      const key = newKey();
      const original = randomBytes(1000);
      await storage.put(key, Readable.from([original]));

      await expect(storage.put(key, Readable.from([randomBytes(5000)]), { maxBytes: 2000 })).rejects.toBeInstanceOf(BlobTooLargeError);

      expect((await storage.getBuffer(key)).equals(original)).toBe(true);
    });

    it('keeps nothing when the body stream fails midway, and rejects with its error', async () => {
      const key = newKey();
      const failure = new Error('client went away');
      const body = Readable.from(
        (async function* () {
          yield randomBytes(10_000);
          throw failure;
        })(),
      );

      await expect(storage.put(key, body)).rejects.toBe(failure);
      expect(await storage.exists(key)).toBe(false);
    });

    it('shows readers the old blob, never a partial one, while a replacement is being written', async () => {
      const key = newKey();
      const original = randomBytes(1000);
      await storage.put(key, Readable.from([original]));
      const gate = new Gate();
      const replacement = randomBytes(20_000);
      const writing = storage.put(
        key,
        Readable.from(
          (async function* () {
            yield replacement.subarray(0, 10_000);
            await gate.wait();
            yield replacement.subarray(10_000);
          })(),
        ),
      );

      await gate.reached();
      expect((await storage.getBuffer(key)).equals(original)).toBe(true);
      gate.open();
      await writing;
      expect((await storage.getBuffer(key)).equals(replacement)).toBe(true);
    });

    it('does not show a new key before its put completes', async () => {
      const key = newKey();
      const gate = new Gate();
      const writing = storage.put(
        key,
        Readable.from(
          (async function* () {
            yield randomBytes(10_000);
            await gate.wait();
          })(),
        ),
      );

      await gate.reached();
      expect(await storage.exists(key)).toBe(false);
      await expect(storage.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
      gate.open();
      await expect(writing).resolves.toMatchObject({ sizeBytes: 10_000 });
      expect(await storage.exists(key)).toBe(true);
    });

    it('replaces an existing key', async () => {
      const key = newKey();
      await storage.put(key, Readable.from([randomBytes(50_000)]));
      const second = randomBytes(1234);

      const stored = await storage.put(key, Readable.from([second]));

      expect(stored).toEqual({ key, sizeBytes: 1234, sha256: sha256(second) });
      expect((await storage.getBuffer(key)).equals(second)).toBe(true);
    });

    it('rejects get and getBuffer of a missing key with BlobNotFoundError naming the key', async () => {
      const key = newKey();

      await expect(storage.get(key)).rejects.toEqual(expect.objectContaining({ name: 'BlobNotFoundError', key }));
      await expect(storage.getBuffer(key)).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await storage.exists(key)).toBe(false);
    });

    it('deletes a blob, and deleting a missing one is not an error', async () => {
      const key = newKey();
      await storage.put(key, Readable.from([randomBytes(10)]));

      await storage.delete(key);

      expect(await storage.exists(key)).toBe(false);
      await expect(storage.getBuffer(key)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(storage.delete(key)).resolves.toBeUndefined();
      await expect(storage.delete(newKey())).resolves.toBeUndefined();
    });

    it('only deletes the given key', async () => {
      const kept = newKey('kept.stl');
      const deleted = kept.replace('kept.stl', 'deleted.stl');
      await storage.put(kept, Readable.from([Buffer.from('kept')]));
      await storage.put(deleted, Readable.from([Buffer.from('deleted')]));

      await storage.delete(deleted);

      expect((await storage.getBuffer(kept)).toString()).toBe('kept');
    });

    it.each(['../x', '/abs', 'a//b', 'a/../b', 'a/./b', 'trailing/', '', 'sp ace', 'back\\slash'])('rejects the invalid key %j in every operation', async (key) => {
      const body = Readable.from([Buffer.from('x')]);

      await expect(storage.put(key, body)).rejects.toThrow(/invalid blob key/);
      await expect(storage.get(key)).rejects.toThrow(/invalid blob key/);
      await expect(storage.getBuffer(key)).rejects.toThrow(/invalid blob key/);
      await expect(storage.exists(key)).rejects.toThrow(/invalid blob key/);
      await expect(storage.delete(key)).rejects.toThrow(/invalid blob key/);
    });

    it('keeps concurrent puts to different keys apart', async () => {
      const blobs = Array.from({ length: 8 }, (_, index) => ({ key: newKey(`${index}.stl`), bytes: randomBytes(10_000 + index * 50_000) }));

      const stored = await Promise.all(blobs.map(({ key, bytes }) => storage.put(key, Readable.from(inChunks(bytes, 8192)))));

      expect(stored).toEqual(blobs.map(({ key, bytes }) => ({ key, sizeBytes: bytes.length, sha256: sha256(bytes) })));
      for (const { key, bytes } of blobs) {
        expect((await storage.getBuffer(key)).equals(bytes)).toBe(true);
      }
    });

    it('answers ping while the storage is reachable', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });
  });
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function digestOf(chunks: Iterable<Buffer>): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

/** Deterministic 64 KiB chunks, each stamped with its index, so a lost, doubled or reordered chunk changes the hash. */
function* numberedChunks(count: number): Generator<Buffer> {
  for (let index = 0; index < count; index++) {
    const chunk = Buffer.from(CHUNK_TEMPLATE);
    chunk.writeUInt32BE(index, 0);
    yield chunk;
  }
}

function* endlessChunks(): Generator<Buffer> {
  for (;;) yield Buffer.from(CHUNK_TEMPLATE);
}

function* inChunks(bytes: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function readAll(stream: Readable): Promise<Buffer> {
  return Buffer.concat((await stream.toArray()) as Buffer[]);
}

/** Holds a body generator at a point until the test has looked at the storage. */
class Gate {
  private release!: () => void;
  private arrive!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));
  private readonly arrived = new Promise<void>((resolve) => (this.arrive = resolve));

  async wait(): Promise<void> {
    this.arrive();
    await this.released;
  }

  /** Resolves once the generator waits here, plus a turn of the event loop for the adapter to process what came before. */
  async reached(): Promise<void> {
    await this.arrived;
    await nextTick();
  }

  open(): void {
    this.release();
  }
}
