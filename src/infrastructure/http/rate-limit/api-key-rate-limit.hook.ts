import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyCredential, ApiKeyAuthenticator } from '../../auth/api-key-authenticator';
import { EARLY_REFUSAL_HEADERS } from '../early-refusal';
import { withRequestId } from '../api-error';
import { RateLimitService } from './rate-limit.service';

export type RequestWithApiKey = FastifyRequest & { apiKeyCredential?: ApiKeyCredential };

type Check = (request: RequestWithApiKey, reply: FastifyReply) => Promise<unknown>;

/**
 * Per-key limits, enforced in the very first request hook: installed on the
 * Fastify instance before Nest wraps it, so it runs before Nest's middleware
 * (request logging), helmet and everything else. A key far over its budget
 * gets its 429 for the price of a cache hit, a hash and a counter, so its
 * flood costs the other partners as little as possible (bench/isolation).
 * Refusals are not logged one by one; RateLimitService logs a summary per key
 * and counts them in alexandrite_rate_limit_rejections_total.
 *
 * The checked key rides on the request for the AuthGuard. Anything unusual
 * (no key, a wrong key, a failing store) is left to the guard, which answers
 * it the normal way.
 */
export class ApiKeyRateLimitGate {
  private check: Check | undefined;

  private constructor() {}

  /** Adds the hook; it lets everything through until bindTo() gives it the app's key store and limits. */
  static installOn(fastify: FastifyInstance): ApiKeyRateLimitGate {
    const gate = new ApiKeyRateLimitGate();
    fastify.addHook('onRequest', async (request: RequestWithApiKey, reply: FastifyReply) => {
      if (gate.check === undefined) return;
      const presented = request.headers['x-api-key'];
      if (typeof presented !== 'string' || request.headers.authorization !== undefined) return;
      return gate.check(request, reply);
    });
    return gate;
  }

  bindTo(app: NestFastifyApplication): void {
    let authenticator: ApiKeyAuthenticator;
    try {
      authenticator = app.get(ApiKeyAuthenticator, { strict: false });
    } catch {
      return; // No partner module wired: no API keys to limit.
    }
    const rateLimits = app.get(RateLimitService, { strict: false });
    this.check = async (request, reply) => {
      try {
        const credential = await authenticator.authenticate(request.headers['x-api-key'] as string);
        if (!credential) return;
        const decision = await rateLimits.take('api-key', credential.keyId, credential);
        void reply.headers(decision.headers);
        if (!decision.allowed) return reply.code(429).headers(EARLY_REFUSAL_HEADERS).send(withRequestId(decision.body, request.id));
        request.apiKeyCredential = credential;
      } catch {
        // The guard authenticates again and reports the failure through the error filter.
      }
    };
  }
}
