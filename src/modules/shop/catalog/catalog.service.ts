import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { BlobStorage } from '../../../infrastructure/blob-storage/blob-storage.port';
import { ApiError } from '../../../infrastructure/http/api-error';
import { analyzeTriangleSoup, toBinaryStl } from '../../pricing';
import { CATALOG_ITEMS, type CatalogItemDefinition } from './catalog-items';

export interface CatalogItem {
  id: string;
  name: string;
  kind: CatalogItemDefinition['kind'];
  description: string;
  parameters: Record<string, number>;
  model: { format: 'stl-binary'; triangleCount: number; sizeBytes: number; sha256: string; volumeMm3: number; dimensionsMm: [number, number, number] };
}

export interface CatalogModel {
  id: string;
  blobKey: string;
  sha256: string;
  sizeBytes: number;
  triangleCount: number;
}

/**
 * Generates the catalogue's models, stores any that blob storage does not
 * have yet (keys carry the content hash, so a changed generator writes a new
 * file and never overwrites one that orders point at), and serves the list
 * from memory.
 */
@Injectable()
export class CatalogService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CatalogService.name);
  private items: CatalogItem[] = [];
  private readonly models = new Map<string, CatalogModel>();
  private ready: Promise<void> | undefined;

  constructor(@Inject(BlobStorage) private readonly blobs: BlobStorage) {}

  onApplicationBootstrap(): Promise<void> {
    return this.load();
  }

  /** The catalogue, generated and stored on first use. */
  async list(): Promise<CatalogItem[]> {
    await this.load();
    return this.items;
  }

  /** The stored model of one item, for an order's ModelUploaded event. */
  async model(id: string): Promise<CatalogModel> {
    await this.load();
    const model = this.models.get(id);
    if (!model) throw new ApiError(422, 'UNKNOWN_CATALOG_ITEM', `no catalogue item ${id}`, { known: [...this.models.keys()] });
    return model;
  }

  private load(): Promise<void> {
    this.ready ??= this.generateAndStore().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async generateAndStore(): Promise<void> {
    const items: CatalogItem[] = [];
    let stored = 0;
    for (const definition of CATALOG_ITEMS) {
      const triangles = definition.generate();
      const stl = toBinaryStl(triangles, `Alexandrite catalogue ${definition.id}`);
      const sha256 = createHash('sha256').update(stl).digest('hex');
      const blobKey = `catalog/${definition.id}-${sha256.slice(0, 16)}.stl`;
      if (!(await this.blobs.exists(blobKey))) {
        await this.blobs.put(blobKey, Readable.from([stl]), { contentType: 'model/stl' });
        stored++;
      }
      const analysis = analyzeTriangleSoup(triangles);
      const size = analysis.boundingBox?.size ?? [0, 0, 0];
      const triangleCount = triangles.length / 9;
      this.models.set(definition.id, { id: definition.id, blobKey, sha256, sizeBytes: stl.length, triangleCount });
      items.push({
        id: definition.id,
        name: definition.name,
        kind: definition.kind,
        description: definition.description,
        parameters: definition.parameters,
        model: {
          format: 'stl-binary',
          triangleCount,
          sizeBytes: stl.length,
          sha256,
          volumeMm3: round(analysis.volumeMm3, 2),
          dimensionsMm: [round(size[0], 2), round(size[1], 2), round(size[2], 2)],
        },
      });
    }
    this.items = items;
    if (stored > 0) this.logger.log(`catalogue: generated and stored ${stored} of ${items.length} models`);
  }
}

function round(value: number | undefined, digits: number): number {
  const factor = 10 ** digits;
  return Math.round((value ?? 0) * factor) / factor;
}
