import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { AppSettings } from '../../config/app-settings';
import { ReadinessRegistry } from '../health/readiness.registry';
import { BlobStorage } from './blob-storage.port';
import { FilesystemBlobStorage } from './filesystem/filesystem-blob-storage';
import { MinioBlobStorage } from './minio/minio-blob-storage';

/** The one place that picks the blob storage adapter: MinIO/S3 when S3_ENDPOINT is set, else the filesystem. */
export function createBlobStorage(settings: AppSettings): BlobStorage {
  const config = settings.config.blobStorage;
  if (config.adapter === 'minio') {
    return MinioBlobStorage.fromUrl(config.endpoint, { accessKey: config.accessKey, secretKey: config.secretKey, region: config.region }, config.bucket);
  }
  return new FilesystemBlobStorage({ rootDir: config.rootDir });
}

@Global()
@Module({
  providers: [{ provide: BlobStorage, inject: [AppSettings], useFactory: createBlobStorage }],
  exports: [BlobStorage],
})
export class BlobStorageModule implements OnModuleInit {
  constructor(
    @Inject(BlobStorage) private readonly blobStorage: BlobStorage,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register({
      name: 'blobStorage',
      check: async () => {
        await this.blobStorage.ping();
        return { adapter: this.blobStorage.adapterName };
      },
    });
  }
}
