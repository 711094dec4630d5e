import { applyDecorators, Get, Header } from '@nestjs/common';
import { Public } from '../auth/roles.decorator';

/**
 * GET of one of our static pages (/mes, /support): public, since the page
 * holds no data and its API calls carry the user's token; revalidated on
 * every visit; its CSP allows only its own inline script and style and
 * calls to this origin.
 */
export function StaticPage(): MethodDecorator {
  return applyDecorators(
    Get(),
    Public(),
    Header('content-type', 'text/html; charset=utf-8'),
    Header('cache-control', 'no-cache'),
    Header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"),
  );
}
