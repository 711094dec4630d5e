import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * One typed, validated configuration object, read once from the environment.
 * A bad or missing value stops start-up with one message naming the variable.
 */

const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL with protocol ${protocols.join(' or ')}`);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DB_POOL_SIZE: positiveInt.max(500).default(20),
  EMBEDDED_POSTGRES_PORT: port.default(54_329),
  EVENTSTORE_URL: url(['kurrentdb:', 'esdb:', 'kurrentdb+discover:', 'esdb+discover:', 'kdb:', 'kdb+discover:']).optional(),
  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name').default('alexandrite-models'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CARRIER_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MAX_MODEL_BYTES: positiveInt.default(50 * 1024 * 1024),
  MAX_JSON_BYTES: positiveInt.default(1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  COMMAND_RETRIES: z.coerce.number().int().min(0).max(20).default(5),
  CATALOG_CACHE_SECONDS: z.coerce.number().int().min(0).default(300),
  SWAGGER_ENABLED: bool.default(true),
  PROJECTION_MAX_LAG_SECONDS: z.coerce.number().positive().default(30),
  PROJECTION_STANDBY_RETRY_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
});

export type Env = z.infer<typeof EnvSchema>;

export interface AppConfig {
  env: Env['NODE_ENV'];
  http: { port: number; host: string; maxJsonBytes: number };
  dataDir: string;
  database: { url: string | undefined; poolSize: number; embeddedPort: number; embeddedDataDir: string };
  eventStore: { adapter: 'postgres' } | { adapter: 'kurrentdb'; url: string };
  blobStorage:
    | { adapter: 'filesystem'; rootDir: string }
    | { adapter: 'minio'; endpoint: string; accessKey: string; secretKey: string; bucket: string; region: string };
  auth: { jwtSecret: string | undefined };
  carrier: { webhookSecret: string | undefined };
  models: { maxBytes: number };
  commands: { retries: number };
  catalog: { cacheSeconds: number };
  log: { level: Env['LOG_LEVEL']; format: 'json' | 'pretty' };
  swagger: boolean;
  /** The projector: readiness fails beyond maxLagSeconds; standbys retry the leader lock every standbyRetryMs. */
  projections: { maxLagSeconds: number; standbyRetryMs: number };
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
  const dataDir = resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    http: { port: env.PORT, host: env.HOST, maxJsonBytes: env.MAX_JSON_BYTES },
    dataDir,
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DB_POOL_SIZE,
      embeddedPort: env.EMBEDDED_POSTGRES_PORT,
      embeddedDataDir: resolve(dataDir, 'postgres'),
    },
    eventStore: env.EVENTSTORE_URL ? { adapter: 'kurrentdb', url: env.EVENTSTORE_URL } : { adapter: 'postgres' },
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
    auth: { jwtSecret: env.JWT_SECRET },
    carrier: { webhookSecret: env.CARRIER_WEBHOOK_SECRET },
    models: { maxBytes: env.MAX_MODEL_BYTES },
    commands: { retries: env.COMMAND_RETRIES },
    catalog: { cacheSeconds: env.CATALOG_CACHE_SECONDS },
    log: { level: env.LOG_LEVEL, format: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'pretty') },
    swagger: env.SWAGGER_ENABLED,
    projections: { maxLagSeconds: env.PROJECTION_MAX_LAG_SECONDS, standbyRetryMs: env.PROJECTION_STANDBY_RETRY_MS },
  };
}

/** Production refuses the embedded defaults that would be unsafe or lossy there. */
function productionProblems(env: Env): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (!env.DATABASE_URL) problems.push('DATABASE_URL: required (the embedded PostgreSQL is for development only)');
  if (!env.JWT_SECRET) problems.push('JWT_SECRET: required (generated secrets are for development only)');
  if (!env.CARRIER_WEBHOOK_SECRET) problems.push('CARRIER_WEBHOOK_SECRET: required (generated secrets are for development only)');
  if (!env.S3_ENDPOINT) problems.push('S3_ENDPOINT: required (the filesystem blob store does not scale out across replicas)');
  return problems;
}

function redactIfSecret(name: string, value: unknown): unknown {
  return /SECRET|PASSWORD|KEY|URL/.test(name) ? '<redacted>' : value;
}
