import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobStorageUnavailableError } from '../src/infrastructure/blob-storage/blob-storage.port';
import { MinioBlobStorage, parseS3Endpoint } from '../src/infrastructure/blob-storage/minio/minio-blob-storage';
import { describeBlobStorageContract } from './contract/blob-storage.contract';
import { startS3Server, type TestS3Server } from './support/s3-server';
import { closedPort } from './support/ports';

/** A fresh bucket per storage: S3 names are 3-63 lowercase letters, digits and hyphens. */
const newBucket = () => `test-${randomUUID()}`;
const credentialsOf = (server: TestS3Server) => ({ accessKey: server.accessKey, secretKey: server.secretKey });

describeBlobStorageContract('minio (against s3rver)', async () => {
  const server = await startS3Server();
  return {
    storage: MinioBlobStorage.fromUrl(server.endpoint, credentialsOf(server), newBucket()),
    stop: () => server.stop(),
  };
});

describe('MinioBlobStorage', () => {
  let server: TestS3Server;

  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('creates its bucket on first use', async () => {
    const storage = MinioBlobStorage.fromUrl(server.endpoint, credentialsOf(server), newBucket());

    await storage.put('models/first.stl', Readable.from([Buffer.from('solid first')]));

    expect((await storage.getBuffer('models/first.stl')).toString()).toBe('solid first');
  });

  it('maps an unreachable server to BlobStorageUnavailableError in ping and in every operation', async () => {
    const storage = MinioBlobStorage.fromUrl(`http://127.0.0.1:${await closedPort()}`, credentialsOf(server), newBucket());

    await expect(storage.ping()).rejects.toBeInstanceOf(BlobStorageUnavailableError);
    await expect(storage.put('a.stl', Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(BlobStorageUnavailableError);
    await expect(storage.get('a.stl')).rejects.toBeInstanceOf(BlobStorageUnavailableError);
    await expect(storage.exists('a.stl')).rejects.toBeInstanceOf(BlobStorageUnavailableError);
    await expect(storage.delete('a.stl')).rejects.toBeInstanceOf(BlobStorageUnavailableError);
  });

  it('passes an unknown access key through as it is, not as an outage', async () => {
    // s3rver checks the access key id but not SigV4 signatures, so a wrong secret would go unnoticed here.
    const storage = MinioBlobStorage.fromUrl(server.endpoint, { accessKey: 'NOBODY', secretKey: server.secretKey }, newBucket());

    const error = await storage.ping().catch((caught: unknown) => caught);

    expect(error).not.toBeInstanceOf(BlobStorageUnavailableError);
    expect(error).toMatchObject({ code: expect.stringMatching(/^(AccessDenied|InvalidAccessKeyId)$/) });
  });

  describe('parseS3Endpoint', () => {
    it.each([
      ['http://127.0.0.1:9000', { endPoint: '127.0.0.1', port: 9000, useSSL: false }],
      ['https://s3.example.com', { endPoint: 's3.example.com', port: 443, useSSL: true }],
      ['http://minio', { endPoint: 'minio', port: 80, useSSL: false }],
      ['http://minio:9000/', { endPoint: 'minio', port: 9000, useSSL: false }],
      ['http://[::1]:9000', { endPoint: '::1', port: 9000, useSSL: false }],
    ])('reads %s', (url, expected) => {
      expect(parseS3Endpoint(url)).toEqual(expected);
    });

    it.each(['ftp://host', 'http://host/prefix', 'http://host?x=1', 'http://user:pass@host', 'not a url'])('refuses %s', (url) => {
      expect(() => parseS3Endpoint(url)).toThrow();
    });
  });
});
