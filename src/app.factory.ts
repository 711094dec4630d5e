import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppSettings } from './config/app-settings';
import { ApiExceptionFilter } from './infrastructure/http/api-exception.filter';
import { registerHttpSecurity } from './infrastructure/http/http-security';
import { LoadShedding } from './infrastructure/http/load-shedding';
import { ApiKeyRateLimitGate } from './infrastructure/http/rate-limit/api-key-rate-limit.hook';
import { installRequestIdHeader, requestIdOf } from './infrastructure/http/request-id/request-id';
import { documentRequestIds } from './infrastructure/http/request-id/request-id.swagger';
import { createValidationPipe, installJsonBodyChecks } from './infrastructure/http/validation';
import { MODEL_CONTENT_TYPES } from './modules/pricing';

/** Builds the Nest app on Fastify; main.ts and the e2e tests both start it this way. */
export async function createApp(settings: AppSettings): Promise<NestFastifyApplication> {
  const http = settings.config.http;
  const fastify = Fastify({
    bodyLimit: settings.config.http.maxJsonBytes,
    // Behind a load balancer, the client's address (per-IP rate limits) comes from X-Forwarded-For.
    trustProxy: settings.config.http.trustProxy,
    // Route params are validated by the routes; this keeps odd URLs a clean 404.
    routerOptions: { ignoreTrailingSlash: true },
    // The request id: the caller's X-Request-Id when sane, else a new UUID (request-id.ts).
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Slow clients must not hold a replica: a connection idle this long is closed (a stalled body, a
    // half-sent request), headers must arrive quickly, and the whole request within a bound.
    connectionTimeout: http.idleTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    http: { headersTimeout: http.headersTimeoutMs, connectionsCheckingInterval: Math.min(1_000, http.headersTimeoutMs) },
  });
  installRequestIdHeader(fastify);
  // Before guards and interceptors (the idempotency fingerprint) recurse into a body or store its text.
  installJsonBodyChecks(fastify);
  // These hooks must come before the ones Nest adds while it wraps the instance (middleware, request logging).
  // The gate first: it refuses keys over their budget and marks accepted ones, which admission then counts as signed in.
  const rateLimitGate = ApiKeyRateLimitGate.installOn(fastify);
  const loadShedding = LoadShedding.installOn(fastify, http);
  const adapter = new FastifyAdapter(fastify);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // The carrier webhook's HMAC is over the exact bytes received.
    rawBody: true,
  });
  rateLimitGate.bindTo(app);
  loadShedding.bindTo(app);
  await registerHttpSecurity(app, settings.config);
  app.useGlobalPipes(createValidationPipe());
  // Model uploads reach their route as the raw request stream, never buffered here.
  app
    .getHttpAdapter()
    .getInstance()
    .addContentTypeParser(MODEL_CONTENT_TYPES, (_request, payload, done) => done(null, payload));
  app.useLogger(app.get(PinoNestLogger));
  app.useGlobalFilters(new ApiExceptionFilter());
  if (settings.config.swagger) {
    const document = documentRequestIds(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('Alexandrite order platform')
          .setDescription(
            "Shop, CRM, MES, partner and support APIs. Errors are `{ code, message, details?, requestId }`; every answer carries `X-Request-Id` (the caller's, when it is at most 128 characters of `[A-Za-z0-9._:-]`, else a new UUID): quote it to support.",
          )
          .setVersion('1')
          .addBearerAuth()
          .addApiKey({ type: 'apiKey', name: 'X-Api-Key', in: 'header' }, 'partner-api-key')
          .build(),
      ),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  }
  // No enableShutdownHooks(): main.ts owns SIGINT/SIGTERM (it must stop the embedded PostgreSQL after the app).
  return app;
}
