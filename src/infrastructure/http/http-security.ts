import helmet from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../../config/config';

/** Request headers a browser client of another origin may send. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Api-Key', 'Idempotency-Key', 'X-Request-Id', 'X-Correlation-Id', 'traceparent'];
/** Response headers such a client may read: rate limits and the request id for support. */
const EXPOSED_HEADERS = ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'X-Request-Id'];

/**
 * Security headers on every answer (helmet) and CORS for the origins
 * listed in CORS_ORIGINS only (none by default: same-origin pages such as
 * /docs, /mes and /support need no CORS). Per-key rate limits run in the
 * first request hook (see api-key-rate-limit.hook.ts).
 */
export async function registerHttpSecurity(app: NestFastifyApplication, config: Pick<AppConfig, 'cors'>): Promise<void> {
  // helmet itself, built once: @fastify/helmet builds a new helmet (and parses the CSP) for every request,
  // 7% of the CPU of a dashboard read under load.
  const applySecurityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // The Swagger UI and the operator/support pages are served by us and use inline bootstrapping.
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // Cross-origin API clients (the web shop on its own origin) read our JSON.
    crossOriginResourcePolicy: { policy: config.cors.origins.length > 0 ? 'cross-origin' : 'same-origin' },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => applySecurityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  // A NUL byte has no place in any of our URLs, and PostgreSQL cannot store one: refuse it before any route sees it.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request, reply) => {
      if (/%00/.test(request.url)) {
        return reply
          .code(400)
          .header('content-type', 'application/json; charset=utf-8')
          .send({ code: 'NUL_CHARACTER', message: 'the URL must not contain %00', requestId: request.id });
      }
    });
  if (config.cors.origins.length > 0) {
    app.enableCors({
      origin: config.cors.origins.includes('*') ? true : config.cors.origins,
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      credentials: false,
      maxAge: 600,
    });
  }
}
