import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../../infrastructure/auth/roles.decorator';

/**
 * The operators' page: one static HTML file (styles and script inline, no
 * build step). Public: it holds no data; it asks for a token and calls the
 * MES API with it.
 */
@ApiExcludeController()
@Controller('mes')
export class MesPageController {
  /** Read once at start-up (copied beside the compiled code by `swc --copy-files`). */
  private readonly html = readFileSync(join(__dirname, 'mes.html'));

  @Get()
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  @Header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
  page(): Buffer {
    return this.html;
  }
}
