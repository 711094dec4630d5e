import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, lstat, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidBlobKey, BlobNotFoundError, BlobStorage, BlobStorageUnavailableError, type PutOptions, type StoredBlob } from '../blob-storage.port';
import { MeasuringStream } from '../measuring-stream';

export interface FilesystemBlobStorageOptions {
  rootDir: string;
}

/**
 * Where half-written uploads live. '~' is outside the key alphabet, so no key
 * can name this directory: nobody can read, replace or delete a partial blob.
 * It sits under the root (same filesystem) so the final rename is atomic.
 */
const INCOMING_DIR = '~incoming';

/** Error codes that mean "there is no blob at this path" (EISDIR: the key is a prefix of other keys). */
const NOT_A_BLOB = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/**
 * Blobs as files under `rootDir`, one file per key (`models/a/b.stl` is
 * `<rootDir>/models/a/b.stl`). A put streams into a temporary file and
 * renames it into place, so readers see the old blob or the new one, never a
 * partial one. There is no fsync: after a power cut a just-written blob may
 * be lost (the order's event then points at a missing file), which we accept
 * for the single-node default; production uses MinIO/S3.
 */
export class FilesystemBlobStorage extends BlobStorage {
  readonly adapterName = 'filesystem';
  private readonly rootDir: string;
  private readonly incomingDir: string;

  constructor(options: FilesystemBlobStorageOptions) {
    super();
    this.rootDir = resolve(options.rootDir);
    this.incomingDir = join(this.rootDir, INCOMING_DIR);
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredBlob> {
    const temporary = join(this.incomingDir, randomUUID());
    try {
      const target = this.pathOf(key);
      const meter = new MeasuringStream(options.maxBytes);
      await mkdir(this.incomingDir, { recursive: true });
      // 'wx': a fresh UUID must not exist; failing loudly beats writing into someone else's file.
      await pipeline(body, meter, createWriteStream(temporary, { flags: 'wx' }));
      await mkdir(dirname(target), { recursive: true });
      await rename(temporary, target);
      return { key, ...meter.measurement() };
    } catch (error) {
      // put owns the body: whatever failed, stop the producer (pipeline already did if it got that far).
      body.destroy();
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    // Open before returning: a missing file must reject here, not surface later as a stream 'error'.
    // The open descriptor also pins this version of the blob if a put replaces it meanwhile.
    const handle = await open(this.pathOf(key), 'r').catch((error: unknown) => {
      throw this.notFoundOr(error, key);
    });
    try {
      if (!(await handle.stat()).isFile()) throw new BlobNotFoundError(key);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return handle.createReadStream();
  }

  async getBuffer(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      throw this.notFoundOr(error, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if (isNotABlob(error)) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if (isNotABlob(error)) return;
      // unlink on a directory fails with EPERM on some platforms: a directory is not a blob either.
      if ((await lstat(path).catch(() => undefined))?.isDirectory()) return;
      throw error;
    }
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.incomingDir, { recursive: true });
      await access(this.incomingDir, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw new BlobStorageUnavailableError(`blob directory ${this.rootDir} is not writable`, { cause: error });
    }
  }

  private pathOf(key: string): string {
    assertValidBlobKey(key);
    return join(this.rootDir, ...key.split('/'));
  }

  private notFoundOr(error: unknown, key: string): unknown {
    return isNotABlob(error) ? new BlobNotFoundError(key) : error;
  }
}

function isNotABlob(error: unknown): boolean {
  // Duck-typed: `instanceof Error` is false for fs errors under jest's per-file VM context.
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && NOT_A_BLOB.has(code);
}
