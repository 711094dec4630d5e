import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { StaticPage } from '../../../infrastructure/http/static-page';

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

  @StaticPage()
  page(): Buffer {
    return this.html;
  }
}
