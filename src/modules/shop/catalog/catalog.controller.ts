import { createHash } from 'node:crypto';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppSettings } from '../../../config/app-settings';
import { Public } from '../../../infrastructure/auth/roles.decorator';
import { CatalogService } from './catalog.service';

@ApiTags('shop')
@Controller('api/shop/catalog')
export class CatalogController {
  private cached: { body: string; etag: string } | undefined;

  constructor(
    private readonly catalog: CatalogService,
    private readonly settings: AppSettings,
  ) {}

  /** Cached in memory and by clients (Cache-Control, ETag): it changes only with a release. */
  @Get()
  @Public()
  @ApiOperation({ summary: 'The catalogue of standard pieces (rings, pendants, earrings) with their model figures' })
  @ApiResponse({ status: 200, description: '{ items: CatalogItem[] }' })
  async list(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    if (!this.cached) {
      const body = JSON.stringify({ items: await this.catalog.list() });
      this.cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    void reply.header('cache-control', `public, max-age=${this.settings.config.catalog.cacheSeconds}`).header('etag', this.cached.etag);
    if (ifNoneMatch === this.cached.etag) {
      await reply.status(304).send();
      return;
    }
    await reply.status(200).header('content-type', 'application/json; charset=utf-8').send(this.cached.body);
  }
}
