import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { StaticPage } from '../../../infrastructure/http/static-page';

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

  @StaticPage()
  page(): Buffer {
    return this.html;
  }
}
