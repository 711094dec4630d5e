import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { AppSettings } from '../../src/config/app-settings';
import { loadConfig } from '../../src/config/config';
import { JwtService } from '../../src/infrastructure/auth/jwt.service';
import type { UserRole } from '../../src/infrastructure/auth/principal';
import { MetricsServer } from '../../src/infrastructure/observability/metrics/metrics-server';
import { createTestDatabase, type TestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';
export const TEST_CARRIER_SECRET = 'carrier-test-secret-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  database: TestDatabase;
  dataDir: string;
  settings: AppSettings;
  /** A bearer token for `sub` with these roles. */
  token(roles: UserRole | UserRole[], sub?: string): Promise<string>;
  /** GET /metrics from the app's own metrics listener (METRICS_PORT), as Prometheus scrapes it. */
  metrics(): Promise<Response>;
  /** fetch against the app, with an optional bearer token. */
  request(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The real app on a real HTTP port, over its own fresh database and data
 * directory, as `npm start` wires it (minus the embedded server, which the
 * test run's global setup already started).
 */
export async function startTestApp(env: Record<string, string> = {}, options: { database?: TestDatabase } = {}): Promise<TestApp> {
  // `database`: one the test made elsewhere (a replicated primary of its own); close() drops it all the same.
  const database = options.database ?? (await createTestDatabase('e2e'));
  const dataDir = await mkdtemp(join(tmpdir(), 'alexandrite-e2e-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    // Each app's metrics listener on a port of its own (files run in parallel).
    METRICS_PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOG_FORMAT: 'json',
    // Tests drive many orders with one customer token as fast as they can; the per-user limit has its own test (user-limits).
    USER_COMMAND_RPS: '100000',
    ...env,
  });
  const settings = new AppSettings(config, database.url, TEST_JWT_SECRET, TEST_CARRIER_SECRET);
  const app = await createApp(settings);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    database,
    dataDir,
    settings,
    token: (roles, sub) => {
      const list = Array.isArray(roles) ? roles : [roles];
      return JwtService.sign(TEST_JWT_SECRET, sub ?? `${list[0]}-1`, list, 3600, { audience: config.auth.audience });
    },
    metrics: () => fetch(app.get(MetricsServer).url),
    request: requestAt(baseUrl),
    close: async () => {
      await app.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** TestApp's `request` against any base URL: the same helpers then drive an app in its own process (a replica). */
export function requestAt(baseUrl: string): TestApp['request'] {
  return (path, init = {}) => {
    const { token, json, headers, ...rest } = init;
    const allHeaders = new Headers(headers);
    if (token) allHeaders.set('authorization', `Bearer ${token}`);
    let body = rest.body;
    if (json !== undefined) {
      allHeaders.set('content-type', 'application/json');
      body = JSON.stringify(json);
    }
    return fetch(`${baseUrl}${path}`, { ...rest, headers: allHeaders, body });
  };
}
