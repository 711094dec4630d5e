import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobNotFoundError, BlobStorageUnavailableError, BlobTooLargeError } from '../src/infrastructure/blob-storage/blob-storage.port';
import { FilesystemBlobStorage } from '../src/infrastructure/blob-storage/filesystem/filesystem-blob-storage';
import { describeBlobStorageContract } from './contract/blob-storage.contract';
import { until } from './support/until';

describeBlobStorageContract('filesystem', async () => {
  const rootDir = await mkdtemp(join(tmpdir(), 'alexandrite-blobs-'));
  return {
    storage: new FilesystemBlobStorage({ rootDir }),
    stop: () => rm(rootDir, { recursive: true, force: true }),
  };
});

describe('FilesystemBlobStorage', () => {
  let rootDir: string;
  let storage: FilesystemBlobStorage;

  beforeEach(async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'alexandrite-blobs-'));
    storage = new FilesystemBlobStorage({ rootDir });
  });
  afterEach(async () => {
    await rm(rootDir, { recursive: true, force: true });
  });

  it('lays blobs out as files named by their key', async () => {
    await storage.put('models/o1/a.stl', Readable.from([Buffer.from('solid a')]));

    expect(await readdir(join(rootDir, 'models', 'o1'))).toEqual(['a.stl']);
  });

  it('writes the body to disk as it arrives instead of collecting it in memory', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let firstMegabyteSent!: () => void;
    const firstMegabyte = new Promise<void>((resolve) => (firstMegabyteSent = resolve));
    const writing = storage.put(
      'big.stl',
      Readable.from(
        (async function* () {
          for (let i = 0; i < 16; i++) yield Buffer.alloc(64 * 1024, i);
          firstMegabyteSent();
          await released;
          yield Buffer.alloc(1);
        })(),
      ),
    );

    await firstMegabyte;
    // Polled: the write stream flushes asynchronously. A buffering adapter would leave the file empty until the end.
    let size = 0;
    await until(async () => (size = await incomingBytes(rootDir)) === 1024 * 1024, 'the first megabyte on disk', {
      timeoutMs: 5_000,
      intervalMs: 10,
      diagnostics: () => `${size} bytes`,
    });
    expect(size).toBe(1024 * 1024);
    release();
    await expect(writing).resolves.toMatchObject({ sizeBytes: 1024 * 1024 + 1 });
  });

  it('leaves no temporary file behind after a refused or failed put', async () => {
    await storage.put('kept.stl', Readable.from([Buffer.from('kept')]));
    await expect(storage.put('big.stl', Readable.from([Buffer.alloc(10_000)]), { maxBytes: 10 })).rejects.toBeInstanceOf(BlobTooLargeError);
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(100);
        throw new Error('boom');
      })(),
    );
    await expect(storage.put('failed.stl', failing)).rejects.toThrow('boom');

    expect(await readdir(join(rootDir, '~incoming'))).toEqual([]);
    expect((await readdir(rootDir)).sort()).toEqual(['kept.stl', '~incoming']);
  });

  it('treats a key that is only a prefix of other keys as missing, and never deletes the other keys', async () => {
    await storage.put('models/o1/a.stl', Readable.from([Buffer.from('a')]));

    expect(await storage.exists('models/o1')).toBe(false);
    await expect(storage.get('models/o1')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(storage.getBuffer('models/o1')).rejects.toBeInstanceOf(BlobNotFoundError);
    await storage.delete('models/o1');
    expect(await storage.exists('models/o1/a.stl')).toBe(true);
  });

  it('fails ping with BlobStorageUnavailableError when the root directory cannot be created', async () => {
    // A regular file where a directory should be: fails even for root, unlike a chmod.
    const file = join(rootDir, 'not-a-directory');
    await writeFile(file, '');
    const broken = new FilesystemBlobStorage({ rootDir: join(file, 'blobs') });

    await expect(broken.ping()).rejects.toBeInstanceOf(BlobStorageUnavailableError);
  });
});

async function incomingBytes(rootDir: string): Promise<number> {
  const files = await readdir(join(rootDir, '~incoming'));
  const sizes = await Promise.all(files.map(async (file) => (await stat(join(rootDir, '~incoming', file))).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}
