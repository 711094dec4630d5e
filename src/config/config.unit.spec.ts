import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({
      port: 3000,
      host: '0.0.0.0',
      maxJsonBytes: 1024 * 1024,
      trustProxy: false,
      maxInFlight: 256,
      maxInFlightAnonymous: 64,
      maxInFlightPerIp: 64,
      maxLongPolls: 10_000,
      maxConnectionsPerIp: 128,
      idleTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 120_000,
      saturatedUnreadyMs: 10_000,
    });
    expect(config.metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(config.database.url).toBeUndefined();
    expect(config.eventStore).toEqual({ adapter: 'postgres' });
    expect(config.blobStorage.adapter).toBe('filesystem');
    expect(config.models.maxBytes).toBe(50 * 1024 * 1024);
    expect(config.log.format).toBe('pretty');
  });

  it('picks KurrentDB and MinIO when their variables are set', () => {
    const config = loadConfig({
      EVENTSTORE_URL: 'kurrentdb://localhost:2113?tls=false',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_ACCESS_KEY: 'minio',
      S3_SECRET_KEY: 'minio-secret',
    });
    expect(config.eventStore).toEqual({ adapter: 'kurrentdb', url: 'kurrentdb://localhost:2113?tls=false', readDeadlineMs: 10_000 });
    expect(config.blobStorage).toMatchObject({ adapter: 'minio', endpoint: 'http://127.0.0.1:9000', bucket: 'alexandrite-models' });
  });

  it('reads one or more read replicas, and their lag limit', () => {
    expect(loadConfig({}).database).toMatchObject({ readReplicaUrls: [], readReplicaMaxLagMs: 5_000 });
    const config = loadConfig({ DATABASE_READ_URL: 'postgres://app@replica-1:5432/a, postgres://app@replica-2:5432/a', READ_REPLICA_MAX_LAG_MS: '1500' });
    expect(config.database).toMatchObject({ readReplicaUrls: ['postgres://app@replica-1:5432/a', 'postgres://app@replica-2:5432/a'], readReplicaMaxLagMs: 1_500 });
  });

  it.each([
    [{ DATABASE_READ_URL: 'postgres://app@replica-1/a,mysql://x' }, /DATABASE_READ_URL/],
    [{ READ_REPLICA_MAX_LAG_MS: '-1' }, /READ_REPLICA_MAX_LAG_MS/],
    [{ PORT: 'eighty' }, /PORT: .*got "eighty"/],
    [{ PORT: '70000' }, /PORT:/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a URL with protocol postgres: or postgresql: \(got "<redacted>"\)/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET: must be at least 32 characters/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL:/],
    [{ IDEMPOTENCY_CLAIM_TIMEOUT_S: '0' }, /IDEMPOTENCY_CLAIM_TIMEOUT_S:/],
    [{ IDEMPOTENCY_RETENTION_HOURS: '0' }, /IDEMPOTENCY_RETENTION_HOURS:/],
    [{ IDEMPOTENCY_RETENTION_HOURS: '1.5' }, /IDEMPOTENCY_RETENTION_HOURS:/],
    [{ IDEMPOTENCY_CLEANUP_INTERVAL_S: 'hourly' }, /IDEMPOTENCY_CLEANUP_INTERVAL_S:/],
    [{ S3_ENDPOINT: 'http://127.0.0.1:9000' }, /S3_ACCESS_KEY and S3_SECRET_KEY are required/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('keeps Idempotency-Key records 24 h by default, cleaned up hourly', () => {
    expect(loadConfig({}).idempotency).toEqual({ claimTimeoutSeconds: 30, retentionHours: 24, cleanupIntervalMs: 3_600_000 });
    expect(loadConfig({ IDEMPOTENCY_RETENTION_HOURS: '48', IDEMPOTENCY_CLEANUP_INTERVAL_S: '600' }).idempotency).toMatchObject({ retentionHours: 48, cleanupIntervalMs: 600_000 });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '' }).http.port).toBe(3000);
  });

  it('refuses the unsafe embedded defaults in production, naming each variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /NODE_ENV=production: DATABASE_URL: required .*JWT_SECRET: required .*CARRIER_WEBHOOK_SECRET: required .*S3_ENDPOINT: required/,
    );
  });

  it('accepts a complete production configuration and logs JSON there', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app@db:5432/alexandrite',
      JWT_SECRET: 'x'.repeat(40),
      CARRIER_WEBHOOK_SECRET: 'y'.repeat(20),
      S3_ENDPOINT: 'http://minio:9000',
      S3_ACCESS_KEY: 'a',
      S3_SECRET_KEY: 'b',
    });
    expect(config.log.format).toBe('json');
  });

  it('validates the pricing settings and refuses the test-only delay in production', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app@db:5432/a',
      JWT_SECRET: 'x'.repeat(40),
      CARRIER_WEBHOOK_SECRET: 'y'.repeat(20),
      S3_ENDPOINT: 'http://minio:9000',
      S3_ACCESS_KEY: 'a',
      S3_SECRET_KEY: 'b',
    };
    expect(() => loadConfig({ ...production, PRICING_TEST_DELAY_MS: '500' })).toThrow(/PRICING_TEST_DELAY_MS: must be 0/);
    expect(() => loadConfig({ PRICING_TIMEOUT_S: 'soon' })).toThrow(/PRICING_TIMEOUT_S/);
    expect(() => loadConfig({ QUOTE_MAX_CONCURRENT_UPLOADS_PER_KEY: '0' })).toThrow(/QUOTE_MAX_CONCURRENT_UPLOADS_PER_KEY/);
    expect(loadConfig({}).pricing.quoteMaxConcurrentUploadsPerKey).toBe(2);
    const config = loadConfig({ PRICING_TIMEOUT_S: '1.5', PRICING_THREADS: '2', PRICING_WORKER_ENABLED: 'false' });
    expect(config.pricing).toMatchObject({ timeoutMs: 1500, threads: 2, workerEnabled: false, testDelayMs: 0 });
  });

  it('reads the graceful shutdown budget and names a bad value', () => {
    expect(loadConfig({}).shutdown).toEqual({ graceMs: 25_000, readinessDelayMs: 0 });
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '10000', SHUTDOWN_READINESS_DELAY_MS: '3000' }).shutdown).toEqual({ graceMs: 10_000, readinessDelayMs: 3_000 });
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '10' })).toThrow(/SHUTDOWN_GRACE_MS/);
  });

  it('reads the security settings: rate-limit store, external identity provider, CORS origins', () => {
    expect(loadConfig({}).rateLimit).toEqual({ redisUrl: undefined, anonymousRps: 20, anonymousBurst: 40, apiKeyDefaultRps: 20, userCommandRps: 10, userCommandBurst: 30 });
    expect(loadConfig({}).mesStreams).toEqual({ perUser: 5, max: 1_000 });
    expect(loadConfig({ USER_COMMAND_RPS: '50', USER_COMMAND_BURST: '0', MES_STREAMS_PER_USER: '2', MES_STREAMS_MAX: '10' })).toMatchObject({
      rateLimit: { userCommandRps: 50, userCommandBurst: 0 },
      mesStreams: { perUser: 2, max: 10 },
    });
    expect(() => loadConfig({ USER_COMMAND_RPS: '0' })).toThrow(/USER_COMMAND_RPS/);
    expect(() => loadConfig({ MES_STREAMS_PER_USER: 'many' })).toThrow(/MES_STREAMS_PER_USER/);
    expect(() => loadConfig({ MES_STREAMS_MAX: '-1' })).toThrow(/MES_STREAMS_MAX/);
    expect(loadConfig({}).auth.jwks).toBeUndefined();
    expect(loadConfig({}).cors.origins).toEqual([]);
    const config = loadConfig({
      REDIS_URL: 'redis://cache:6379',
      AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      AUTH_JWT_ISSUER: 'https://idp.example.com/',
      AUTH_JWT_AUDIENCE: 'alexandrite',
      CORS_ORIGINS: 'https://shop.example.com, https://crm.example.com',
    });
    expect(config.rateLimit.redisUrl).toBe('redis://cache:6379');
    expect(config.auth.jwks).toEqual({ url: 'https://idp.example.com/.well-known/jwks.json', issuer: 'https://idp.example.com/', audience: 'alexandrite' });
    expect(config.cors.origins).toEqual(['https://shop.example.com', 'https://crm.example.com']);
    expect(() => loadConfig({ AUTH_JWKS_URL: 'https://idp.example.com/jwks' })).toThrow(/AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE/);
    expect(() => loadConfig({ REDIS_URL: 'http://cache' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ CORS_ORIGINS: 'shop.example.com/path' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ RATE_LIMIT_ANONYMOUS_RPS: '0' })).toThrow(/RATE_LIMIT_ANONYMOUS_RPS/);
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).http.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
  });

  it('reads the bearer token limits: a 24 h maximum lifetime by default, an audience only when configured', () => {
    expect(loadConfig({}).auth).toMatchObject({ audience: undefined, tokenMaxLifetimeSeconds: 86_400 });
    expect(loadConfig({ AUTH_JWT_AUDIENCE: 'alexandrite-api', AUTH_TOKEN_MAX_LIFETIME_S: '3600' }).auth).toMatchObject({
      audience: 'alexandrite-api',
      tokenMaxLifetimeSeconds: 3600,
    });
    for (const bad of ['0', '59', '2592001', '1.5', 'forever']) {
      expect(() => loadConfig({ AUTH_TOKEN_MAX_LIFETIME_S: bad })).toThrow(/AUTH_TOKEN_MAX_LIFETIME_S/);
    }
  });

  it('refuses a metrics port equal to the public one, and headers allowed longer than the whole request', () => {
    expect(() => loadConfig({ PORT: '4000', METRICS_PORT: '4000' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(loadConfig({ HTTP_MAX_IN_FLIGHT: '2' }).http.maxInFlightAnonymous).toBe(1);
  });
});
