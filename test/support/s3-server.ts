import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestS3Server {
  /** e.g. `http://127.0.0.1:40123`, the shape of S3_ENDPOINT. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

/** The part of s3rver's (untyped) API we use. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: { address: string; port: number; directory: string; silent: boolean; resetOnClose: boolean }) => S3rverInstance;

/** s3rver's built-in account (lib/models/account.js); it checks request signatures against it. */
const S3RVER_CREDENTIALS = { accessKey: 'S3RVER', secretKey: 'S3RVER' };

/**
 * A real S3-protocol server (s3rver) on a free port of 127.0.0.1, storing in
 * a fresh temporary directory, so the MinIO adapter is tested over HTTP with
 * signed requests without a MinIO binary or Docker.
 */
export async function startS3Server(): Promise<TestS3Server> {
  // s3rver ships no type declarations, and `declare module` cannot augment an untyped package from a module file.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'alexandrite-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, resetOnClose: false });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ...S3RVER_CREDENTIALS,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
