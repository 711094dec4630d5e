import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../../infrastructure/auth/roles.decorator';

/**
 * Support's page: one static HTML file (styles and script inline, no build
 * step), like /mes. Public: it holds no data; it asks for a support token and
 * calls the support API with it, which checks the role.
 */
@ApiExcludeController()
@Controller('support')
export class SupportPageController {
  /** Read once at start-up (copied beside the compiled code by `swc --copy-files`). */
  private readonly html = readFileSync(join(__dirname, 'support.html'));

  @Get()
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  @Header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
  page(): Buffer {
    return this.html;
  }
}
