import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Redis } from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppSettings } from '../../../config/app-settings';
import { ReadinessRegistry } from '../../health/readiness.registry';
import { rateLimitRejections } from '../../observability/metrics/rate-limit-metrics';
import { ApiError, type ApiErrorBody } from '../api-error';

/** A budget: `rps` requests per second sustained, plus `burst` extra requests per BURST_WINDOW_S for spikes. */
export interface RateBudget {
  rps: number;
  burst: number;
}

const BURST_WINDOW_S = 10;
/** A key over its limit is reported at most this often, with the number refused since: a flood must not flood the logs. */
const REFUSAL_REPORT_INTERVAL_MS = 10_000;

/** Whose budget: a partner's API key, an anonymous client IP, or a signed-in user's `sub` (its expensive commands). */
export type RateScope = 'api-key' | 'ip' | 'user';

/** The 429 code of each scope: a signed-in customer is told it is its own commands that are limited. */
const REFUSAL_CODES: Record<RateScope, string> = { 'api-key': 'RATE_LIMITED', ip: 'RATE_LIMITED', user: 'USER_RATE_LIMITED' };

export type RateDecision = { allowed: true; headers: Record<string, string> } | { allowed: false; headers: Record<string, string>; body: ApiErrorBody };

/**
 * Fair use, on rate-limiter-flexible: each API key and each anonymous client
 * IP has its own budget. With REDIS_URL the counters live in Redis, so every
 * replica draws from one budget; if Redis fails, an in-process limiter
 * stands in (insurance) rather than letting everyone through or no one.
 */
@Injectable()
export class RateLimitService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly redis: Redis | undefined;
  private readonly limiters = new Map<string, BurstyRateLimiter>();
  private readonly refusalReports = new Map<string, { refusedSince: number; reportedAt: number }>();
  readonly anonymousBudget: RateBudget;
  /** Per `sub`: creates, model uploads and submissions together (USER_COMMAND_RPS, USER_COMMAND_BURST). */
  readonly userCommandBudget: RateBudget;

  constructor(
    settings: AppSettings,
    private readonly readiness: ReadinessRegistry,
  ) {
    const { redisUrl, anonymousRps, anonymousBurst, userCommandRps, userCommandBurst } = settings.config.rateLimit;
    this.anonymousBudget = { rps: anonymousRps, burst: anonymousBurst };
    this.userCommandBudget = { rps: userCommandRps, burst: userCommandBurst };
    this.redis = redisUrl ? new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 }) : undefined;
    this.redis?.on('error', (error: Error) => this.logger.warn(`Redis (rate limits): ${error.message}`));
  }

  async onModuleInit(): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    // Connected before the first request, so the shared budget is used from the start. Redis
    // being away is no reason not to serve: the in-process insurance limiter stands in meanwhile.
    await redis.connect().catch((error: Error) => this.logger.warn(`Redis (rate limits) unreachable, limiting in process until it is back: ${error.message}`));
    this.readiness.register({
      name: 'rate-limit-redis',
      // Reported, never failing readiness: taking every replica out over the limiter's store would be the bigger outage.
      check: async () => ({ store: redis.status === 'ready' ? 'redis' : 'in-process (Redis unreachable)' }),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis?.disconnect());
  }

  /** Takes one request from `key`'s budget; the answer says whether it may pass and which headers to send. */
  async take(scope: RateScope, key: string, budget: RateBudget): Promise<RateDecision> {
    try {
      const result = await this.limiterFor(scope, budget).consume(key);
      return { allowed: true, headers: rateLimitHeaders(budget, result) };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      // Never a client address or a user's `sub` as a label value: only partner key ids, which are few and not personal.
      rateLimitRejections.inc({ scope, api_key_id: scope === 'api-key' ? key : 'anonymous' });
      // Per-IP and per-user refusals go through the error filter and are logged with their request; per-key ones are answered before it.
      if (scope === 'api-key') this.reportRefusal(key, budget);
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      // A plain body, not an ApiError: a flood of 429s should not pay for capturing a stack trace each.
      return {
        allowed: false,
        headers: { ...rateLimitHeaders(budget, rejection), 'retry-after': String(retryAfterSeconds) },
        body: {
          code: REFUSAL_CODES[scope],
          message:
            scope === 'user'
              ? `too many orders created, models uploaded or orders submitted: the limit is ${budget.rps} per second (burst ${budget.burst} per ${BURST_WINDOW_S} s); retry after ${retryAfterSeconds} s`
              : `rate limit of ${budget.rps} requests per second exceeded; retry after ${retryAfterSeconds} s`,
          details: { limit: budget.rps, burst: budget.burst, retryAfterSeconds },
        },
      };
    }
  }

  /** take(), then either the RateLimit-* headers on the reply or a 429 RATE_LIMITED thrown. */
  async consume(scope: RateScope, key: string, budget: RateBudget, reply: FastifyReply): Promise<void> {
    const decision = await this.take(scope, key, budget);
    if (!decision.allowed) throw new ApiError(429, decision.body.code, decision.body.message, decision.body.details, decision.headers);
    void reply.headers(decision.headers);
  }

  private reportRefusal(keyId: string, budget: RateBudget): void {
    const now = Date.now();
    const report = this.refusalReports.get(keyId);
    if (report && now - report.reportedAt < REFUSAL_REPORT_INTERVAL_MS) {
      report.refusedSince++;
      return;
    }
    const refused = (report?.refusedSince ?? 0) + 1;
    const period = report ? `in the last ${Math.round((now - report.reportedAt) / 1000)} s` : 'now';
    this.refusalReports.set(keyId, { refusedSince: 0, reportedAt: now });
    this.logger.warn(`API key ${keyId} is over its limit of ${budget.rps} RPS (burst ${budget.burst}): ${refused} request(s) refused ${period}`);
  }

  private limiterFor(scope: string, budget: RateBudget): BurstyRateLimiter {
    const id = `${scope}:${budget.rps}:${budget.burst}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      // The budget is part of the key prefix: changing a key's limit starts it on fresh counters.
      const sustained = this.store({ keyPrefix: `rl:${id}:s`, points: budget.rps, duration: 1 });
      const spikes = this.store({ keyPrefix: `rl:${id}:b`, points: Math.max(budget.burst, 0), duration: BURST_WINDOW_S });
      limiter = new BurstyRateLimiter(sustained, spikes);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  private store(options: { keyPrefix: string; points: number; duration: number }): RateLimiterMemory | RateLimiterRedis {
    const memory = new RateLimiterMemory(options);
    if (!this.redis) return memory;
    return new RateLimiterRedis({ ...options, storeClient: this.redis, insuranceLimiter: memory });
  }
}

/** IETF draft RateLimit header fields (limit, remaining, seconds to reset). */
function rateLimitHeaders(budget: RateBudget, result: RateLimiterRes): Record<string, string> {
  return {
    'ratelimit-limit': String(budget.rps),
    'ratelimit-remaining': String(Math.max(0, result.remainingPoints)),
    'ratelimit-reset': String(Math.max(0, Math.ceil(result.msBeforeNext / 1000))),
  };
}
