import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyCredential, ApiKeyAuthenticator } from '../../auth/api-key-authenticator';
import { RateLimitService } from './rate-limit.service';

export type RequestWithApiKey = FastifyRequest & { apiKeyCredential?: ApiKeyCredential };

/**
 * Per-key limits are enforced in Fastify's first hook, before Nest's
 * pipeline: a key far over its budget gets its 429 for the price of a cache
 * hit, a hash and a counter, so its flood costs the other partners as
 * little as possible. The checked key rides on the request for the AuthGuard.
 * Anything unusual (no key, a wrong key, a failing store) is left to the
 * guard, which answers it the normal way.
 */
export function installApiKeyRateLimit(app: NestFastifyApplication): void {
  let authenticator: ApiKeyAuthenticator;
  try {
    authenticator = app.get(ApiKeyAuthenticator, { strict: false });
  } catch {
    return; // No partner module wired: no API keys to limit.
  }
  const rateLimits = app.get(RateLimitService, { strict: false });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request: RequestWithApiKey, reply: FastifyReply) => {
      const presented = request.headers['x-api-key'];
      if (typeof presented !== 'string' || request.headers.authorization !== undefined) return;
      try {
        const credential = await authenticator.authenticate(presented);
        if (!credential) return;
        const decision = await rateLimits.take('api-key', credential.keyId, credential);
        void reply.headers(decision.headers);
        if (!decision.allowed) return reply.code(429).header('content-type', 'application/json; charset=utf-8').send(decision.body);
        request.apiKeyCredential = credential;
      } catch {
        // The guard authenticates again and reports the failure through the error filter.
      }
    });
}
