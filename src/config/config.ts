import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_SLA_MS, parseSlaOverrides } from './order-sla';
import type { OrderStatus } from '../shared/order-lifecycle';

/**
 * One typed, validated configuration object, read once from the environment.
 * A bad or missing value stops start-up with one message naming the variable.
 */

const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL with protocol ${protocols.join(' or ')}`,
  );

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_PORT: port.default(9464),
  METRICS_HOST: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** Read replicas (streaming standbys), comma-separated: lists, the dashboard, the stuck scan and history read there. */
  DATABASE_READ_URL: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0),
    )
    .pipe(z.array(url(['postgres:', 'postgresql:'])).max(16))
    .optional(),
  /** A replica further behind than this is not read from until it catches up (its reads go to the primary). */
  READ_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  DB_POOL_SIZE: positiveInt.max(500).default(20),
  EMBEDDED_POSTGRES_PORT: port.default(54_329),
  EVENTSTORE_URL: url(['kurrentdb:', 'esdb:', 'kurrentdb+discover:', 'esdb+discover:', 'kdb:', 'kdb+discover:']).optional(),
  /** KurrentDB: deadline of one read (the client sets none on reads); a stalled read answers 503 instead of hanging. */
  EVENTSTORE_READ_DEADLINE_MS: positiveInt.max(600_000).default(10_000),
  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
    .default('alexandrite-models'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CARRIER_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MAX_MODEL_BYTES: positiveInt.default(50 * 1024 * 1024),
  MAX_JSON_BYTES: positiveInt.default(1024 * 1024),
  /** Load shedding: requests in progress per replica beyond which new ones get 503 OVERLOADED (0: no limit). */
  HTTP_MAX_IN_FLIGHT: z.coerce.number().int().min(0).max(100_000).default(256),
  HTTP_MAX_IN_FLIGHT_ANONYMOUS: z.coerce.number().int().min(0).max(100_000).optional(),
  HTTP_MAX_IN_FLIGHT_PER_IP: z.coerce.number().int().min(0).max(100_000).default(64),
  /** Long polls (`?changedAfter=&wait=`) waiting at once per replica; they do not count as requests in progress (0: no limit). */
  HTTP_MAX_LONG_POLLS: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  HTTP_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).max(100_000).default(128),
  HTTP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  HTTP_SATURATED_UNREADY_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  /** PostgreSQL statement_timeout of the app's pools: a statement running longer is cancelled (503), never left hanging (0: none). */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  COMMAND_RETRIES: z.coerce.number().int().min(0).max(20).default(5),
  /** Idempotency-Key: a request still unanswered after this long was left by a dead process; a retry takes its key over. */
  IDEMPOTENCY_CLAIM_TIMEOUT_S: z.coerce.number().int().min(1).max(3_600).default(30),
  /** Idempotency-Key records are kept this long (a retry later than that runs as a new request), deleted by a job this often. */
  IDEMPOTENCY_RETENTION_HOURS: positiveInt.max(8_760).default(24),
  IDEMPOTENCY_CLEANUP_INTERVAL_S: positiveInt.max(86_400).default(3_600),
  CATALOG_CACHE_SECONDS: z.coerce.number().int().min(0).default(300),
  SWAGGER_ENABLED: bool.default(true),
  /** Read by src/tracing.ts before the app loads; validated here so a bad value stops start-up with this message. */
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  PROJECTION_MAX_LAG_SECONDS: z.coerce.number().positive().default(30),
  PROJECTION_STANDBY_RETRY_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** SIGTERM/SIGINT: the whole drain (HTTP, pricing, projector, pools) must fit in this; past it the process exits with 1. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(1_000).max(600_000).default(25_000),
  /** Time between readiness turning false and the listener closing, so load balancers stop sending first (Kubernetes: a few seconds). */
  SHUTDOWN_READINESS_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** Pricing: hard limit of one calculation; worker threads (default: the cores); test-only artificial delay. */
  PRICING_TIMEOUT_S: z.coerce.number().positive().max(3_600).default(30),
  PRICING_THREADS: positiveInt.max(64).optional(),
  PRICING_WORKER_ENABLED: bool.default(true),
  PRICING_RETRY_DELAY_S: z.coerce.number().int().min(0).max(3_600).default(2),
  PRICING_TEST_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  /** What a jewellery model may be: larger, smaller or busier models are refused with a precise code. */
  MODEL_MAX_TRIANGLES: positiveInt.max(50_000_000).default(2_000_000),
  MODEL_MIN_DIMENSION_MM: z.coerce.number().nonnegative().max(1_000).default(1),
  MODEL_MAX_DIMENSION_MM: z.coerce.number().positive().max(10_000).default(200),
  MODEL_MAX_SHELLS: positiveInt.max(1_000).default(1),
  QUOTE_SYNC_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  QUOTE_MAX_QUEUE_DEPTH: z.coerce.number().int().min(0).default(200),
  /** Quote uploads one partner API key may stream at once; more answer 429 QUOTE_UPLOADS_BUSY with Retry-After. */
  QUOTE_MAX_CONCURRENT_UPLOADS_PER_KEY: positiveInt.max(1_000).default(2),
  /** Security and fair use: shared rate-limit state, anonymous per-IP budget, external IdP, CORS. */
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  RATE_LIMIT_ANONYMOUS_RPS: positiveInt.max(100_000).default(20),
  RATE_LIMIT_ANONYMOUS_BURST: z.coerce.number().int().min(0).max(100_000).default(40),
  API_KEY_DEFAULT_RPS: positiveInt.max(100_000).default(20),
  /** Per signed-in customer (`sub`): creates, model uploads and submissions together, per second, plus a burst per 10 s. */
  USER_COMMAND_RPS: positiveInt.max(100_000).default(10),
  USER_COMMAND_BURST: z.coerce.number().int().min(0).max(100_000).default(30),
  /** Live dashboard streams (server-sent events) one operator may hold open, and all of them, per replica. */
  MES_STREAMS_PER_USER: positiveInt.max(10_000).default(5),
  MES_STREAMS_MAX: positiveInt.max(1_000_000).default(1_000),
  AUTH_JWKS_URL: url(['http:', 'https:']).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Longest a bearer token may be valid, from its `iat` (or from now) to its `exp`: a token that never expires is a leaked key. */
  AUTH_TOKEN_MAX_LIFETIME_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .default(24 * 3600),
  /** Which proxies' X-Forwarded-For to believe (per-IP limits): `true`, a hop count, or addresses/CIDRs. */
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/, 'must be true, false, a hop count or a comma-separated list of addresses/CIDRs')
    .default('false'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin.length > 0),
    )
    .refine(
      (origins) => origins.every((origin) => origin === '*' || /^https?:\/\/[^/\s]+$/.test(origin)),
      'must be a comma-separated list of origins such as https://shop.example.com',
    ),
  /** Per-status SLA overrides for support's stuck list, e.g. `SUBMITTED=2m,SHIPPED=14d`. */
  ORDER_SLA: z
    .string()
    .default('')
    .transform((value, context) => {
      try {
        return parseSlaOverrides(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

export type Env = z.infer<typeof EnvSchema>;

export interface AppConfig {
  env: Env['NODE_ENV'];
  http: {
    port: number;
    host: string;
    maxJsonBytes: number;
    trustProxy: boolean | number | string[];
    /** Requests in progress per replica; 0: no limit. */
    maxInFlight: number;
    /** Of those, requests without valid credentials (default a quarter): anonymous callers cannot take the slots of signed-in ones. */
    maxInFlightAnonymous: number;
    /** Requests in progress per client IP (X-Forwarded-For behind a trusted proxy); 0: no limit. */
    maxInFlightPerIp: number;
    maxLongPolls: number;
    /** Open connections per peer address; 0: no limit. Not applied behind a trusted proxy (every connection is the proxy's). */
    maxConnectionsPerIp: number;
    /** A connection that sends and receives nothing this long is closed (a stalled body, an idle keep-alive); 0: never. */
    idleTimeoutMs: number;
    /** The request line and headers must arrive within this. */
    headersTimeoutMs: number;
    /** The whole request, body included, must arrive within this; 0: no limit. */
    requestTimeoutMs: number;
    /** /health/ready fails while every slot has been taken this long with no request finishing; 0: never. */
    saturatedUnreadyMs: number;
  };
  /** Prometheus's own listener: /metrics is never served on the public one. */
  metrics: { port: number; host: string };
  dataDir: string;
  database: {
    url: string | undefined;
    /** Streaming replicas for reads that may lag (lists, dashboard, stuck scan, history); empty: all reads on the primary. */
    readReplicaUrls: string[];
    readReplicaMaxLagMs: number;
    poolSize: number;
    statementTimeoutMs: number;
    embeddedPort: number;
    embeddedDataDir: string;
  };
  eventStore: { adapter: 'postgres' } | { adapter: 'kurrentdb'; url: string; readDeadlineMs: number };
  blobStorage: { adapter: 'filesystem'; rootDir: string } | { adapter: 'minio'; endpoint: string; accessKey: string; secretKey: string; bucket: string; region: string };
  auth: {
    jwtSecret: string | undefined;
    /** External identity provider (RS256/ES256 via JWKS); issuer and audience are required with it. */
    jwks: { url: string; issuer: string; audience: string } | undefined;
    /** AUTH_JWT_AUDIENCE: every token (HS256 too) must name it in `aud`; unset, tokens must carry no `aud`. */
    audience: string | undefined;
    /** Every token must have `exp`, at most this many seconds after it was issued (`iat`; a missing or future `iat` counts as now). */
    tokenMaxLifetimeSeconds: number;
  };
  /** Rate limits: shared in Redis when redisUrl is set, in process otherwise. */
  rateLimit: { redisUrl: string | undefined; anonymousRps: number; anonymousBurst: number; apiKeyDefaultRps: number; userCommandRps: number; userCommandBurst: number };
  /** Open live streams allowed per operator (`sub`) and in all, on one replica. */
  mesStreams: { perUser: number; max: number };
  cors: { origins: string[] };
  carrier: { webhookSecret: string | undefined };
  models: { maxBytes: number };
  commands: { retries: number };
  /** Idempotency-Key records (see README, Configuration). */
  idempotency: { claimTimeoutSeconds: number; retentionHours: number; cleanupIntervalMs: number };
  catalog: { cacheSeconds: number };
  log: { level: Env['LOG_LEVEL']; format: 'json' | 'pretty' };
  swagger: boolean;
  /** The projector: readiness fails beyond maxLagSeconds; standbys retry the leader lock every standbyRetryMs. */
  projections: { maxLagSeconds: number; standbyRetryMs: number };
  /** Graceful shutdown budget (see src/infrastructure/lifecycle). */
  shutdown: { graceMs: number; readinessDelayMs: number };
  /** Pricing jobs and partner quotes (see README, Configuration). */
  pricing: {
    timeoutMs: number;
    threads: number;
    workerEnabled: boolean;
    retryDelaySeconds: number;
    testDelayMs: number;
    quoteSyncWaitMs: number;
    quoteMaxQueueDepth: number;
    quoteMaxConcurrentUploadsPerKey: number;
    /** Jewellery limits the geometry checks every model against (MODEL_* variables). */
    modelLimits: { maxTriangles: number; minDimensionMm: number; maxDimensionMm: number; maxShells: number };
  };
  /** How long an order may stay in each non-terminal status before support's stuck list shows it. */
  support: { slaMs: Partial<Record<OrderStatus, number>> };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings mean "unset": `FOO= npm start` should not count as a value.
  const raw = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = raw[name] === undefined ? 'missing' : `got ${JSON.stringify(redactIfSecret(name, raw[name]))}`;
      return `${name}: ${issue.message} (${value})`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  const problems = productionProblems(env);
  if (problems.length > 0) throw new ConfigError(`invalid configuration for NODE_ENV=production: ${problems.join('; ')}`);
  if (env.S3_ENDPOINT && (!env.S3_ACCESS_KEY || !env.S3_SECRET_KEY)) {
    throw new ConfigError('invalid configuration: S3_ACCESS_KEY and S3_SECRET_KEY are required when S3_ENDPOINT is set');
  }
  if (env.AUTH_JWKS_URL && (!env.AUTH_JWT_ISSUER || !env.AUTH_JWT_AUDIENCE)) {
    throw new ConfigError('invalid configuration: AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE are required when AUTH_JWKS_URL is set');
  }
  if (env.HTTP_REQUEST_TIMEOUT_MS > 0 && env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  if (env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    throw new ConfigError(`invalid configuration: METRICS_PORT must differ from PORT (both ${env.PORT}): metrics have a listener of their own`);
  }
  const dataDir = resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    http: {
      port: env.PORT,
      host: env.HOST,
      maxJsonBytes: env.MAX_JSON_BYTES,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      maxInFlight: env.HTTP_MAX_IN_FLIGHT,
      maxInFlightAnonymous: env.HTTP_MAX_IN_FLIGHT_ANONYMOUS ?? Math.max(1, Math.floor(env.HTTP_MAX_IN_FLIGHT / 4)),
      maxInFlightPerIp: env.HTTP_MAX_IN_FLIGHT_PER_IP,
      maxLongPolls: env.HTTP_MAX_LONG_POLLS,
      maxConnectionsPerIp: env.HTTP_MAX_CONNECTIONS_PER_IP,
      idleTimeoutMs: env.HTTP_IDLE_TIMEOUT_MS,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      saturatedUnreadyMs: env.HTTP_SATURATED_UNREADY_MS,
    },
    metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST ?? env.HOST },
    dataDir,
    database: {
      url: env.DATABASE_URL,
      readReplicaUrls: env.DATABASE_READ_URL ?? [],
      readReplicaMaxLagMs: env.READ_REPLICA_MAX_LAG_MS,
      poolSize: env.DB_POOL_SIZE,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      embeddedPort: env.EMBEDDED_POSTGRES_PORT,
      embeddedDataDir: resolve(dataDir, 'postgres'),
    },
    eventStore: env.EVENTSTORE_URL ? { adapter: 'kurrentdb', url: env.EVENTSTORE_URL, readDeadlineMs: env.EVENTSTORE_READ_DEADLINE_MS } : { adapter: 'postgres' },
    blobStorage: env.S3_ENDPOINT
      ? {
          adapter: 'minio',
          endpoint: env.S3_ENDPOINT,
          accessKey: env.S3_ACCESS_KEY as string,
          secretKey: env.S3_SECRET_KEY as string,
          bucket: env.S3_BUCKET,
          region: env.S3_REGION,
        }
      : { adapter: 'filesystem', rootDir: resolve(dataDir, 'blobs') },
    auth: {
      jwtSecret: env.JWT_SECRET,
      jwks: env.AUTH_JWKS_URL ? { url: env.AUTH_JWKS_URL, issuer: env.AUTH_JWT_ISSUER as string, audience: env.AUTH_JWT_AUDIENCE as string } : undefined,
      audience: env.AUTH_JWT_AUDIENCE,
      tokenMaxLifetimeSeconds: env.AUTH_TOKEN_MAX_LIFETIME_S,
    },
    rateLimit: {
      redisUrl: env.REDIS_URL,
      anonymousRps: env.RATE_LIMIT_ANONYMOUS_RPS,
      anonymousBurst: env.RATE_LIMIT_ANONYMOUS_BURST,
      apiKeyDefaultRps: env.API_KEY_DEFAULT_RPS,
      userCommandRps: env.USER_COMMAND_RPS,
      userCommandBurst: env.USER_COMMAND_BURST,
    },
    mesStreams: { perUser: env.MES_STREAMS_PER_USER, max: env.MES_STREAMS_MAX },
    cors: { origins: env.CORS_ORIGINS },
    carrier: { webhookSecret: env.CARRIER_WEBHOOK_SECRET },
    models: { maxBytes: env.MAX_MODEL_BYTES },
    commands: { retries: env.COMMAND_RETRIES },
    idempotency: {
      claimTimeoutSeconds: env.IDEMPOTENCY_CLAIM_TIMEOUT_S,
      retentionHours: env.IDEMPOTENCY_RETENTION_HOURS,
      cleanupIntervalMs: env.IDEMPOTENCY_CLEANUP_INTERVAL_S * 1000,
    },
    catalog: { cacheSeconds: env.CATALOG_CACHE_SECONDS },
    log: { level: env.LOG_LEVEL, format: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'pretty') },
    swagger: env.SWAGGER_ENABLED,
    projections: { maxLagSeconds: env.PROJECTION_MAX_LAG_SECONDS, standbyRetryMs: env.PROJECTION_STANDBY_RETRY_MS },
    shutdown: { graceMs: env.SHUTDOWN_GRACE_MS, readinessDelayMs: env.SHUTDOWN_READINESS_DELAY_MS },
    pricing: {
      timeoutMs: Math.round(env.PRICING_TIMEOUT_S * 1000),
      threads: env.PRICING_THREADS ?? availableParallelism(),
      workerEnabled: env.PRICING_WORKER_ENABLED,
      retryDelaySeconds: env.PRICING_RETRY_DELAY_S,
      testDelayMs: env.PRICING_TEST_DELAY_MS,
      modelLimits: {
        maxTriangles: env.MODEL_MAX_TRIANGLES,
        minDimensionMm: env.MODEL_MIN_DIMENSION_MM,
        maxDimensionMm: env.MODEL_MAX_DIMENSION_MM,
        maxShells: env.MODEL_MAX_SHELLS,
      },
      quoteSyncWaitMs: env.QUOTE_SYNC_WAIT_MS,
      quoteMaxQueueDepth: env.QUOTE_MAX_QUEUE_DEPTH,
      quoteMaxConcurrentUploadsPerKey: env.QUOTE_MAX_CONCURRENT_UPLOADS_PER_KEY,
    },
    support: { slaMs: { ...DEFAULT_SLA_MS, ...env.ORDER_SLA } },
  };
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}

/** Production refuses the embedded defaults that would be unsafe or lossy there. */
function productionProblems(env: Env): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (!env.DATABASE_URL) problems.push('DATABASE_URL: required (the embedded PostgreSQL is for development only)');
  if (!env.JWT_SECRET) problems.push('JWT_SECRET: required (generated secrets are for development only)');
  if (!env.CARRIER_WEBHOOK_SECRET) problems.push('CARRIER_WEBHOOK_SECRET: required (generated secrets are for development only)');
  if (!env.S3_ENDPOINT) problems.push('S3_ENDPOINT: required (the filesystem blob store does not scale out across replicas)');
  if (env.PRICING_TEST_DELAY_MS > 0) problems.push('PRICING_TEST_DELAY_MS: must be 0 (an artificial slow calculation for crash tests only)');
  return problems;
}

function redactIfSecret(name: string, value: unknown): unknown {
  return /SECRET|PASSWORD|KEY|URL/.test(name) ? '<redacted>' : value;
}
