import { request as httpRequest } from 'node:http';
import { findFreePort } from '../../src/infrastructure/database/free-port';
import { JwtService } from '../../src/infrastructure/auth/jwt.service';
import type { UserRole } from '../../src/infrastructure/auth/principal';
import { type AppProcess, spawnBuiltApp } from './pricing-process';
import { until } from './until';
import { TEST_CARRIER_SECRET, TEST_JWT_SECRET } from './test-app';

/** Compiles src into dist once per test file: the replicas run the built app, as in production. */
export { buildApp } from './pricing-process';

export interface Replica extends AppProcess {
  baseUrl: string;
  name: string;
  /** SIGTERM, then the exit code and how long it took. */
  terminate(): Promise<{ code: number | null; ms: number }>;
  kill(): Promise<void>;
  alive(): boolean;
}

/** One app process on `databaseUrl`, ready (GET /health/ready 200) when this resolves. */
export async function startReplica(name: string, databaseUrl: string, dataDir: string, env: Record<string, string> = {}, readyTimeoutMs = 90_000): Promise<Replica> {
  const port = await findFreePort();
  const process_ = spawnBuiltApp({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    PORT: String(port),
    METRICS_PORT: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    CARRIER_WEBHOOK_SECRET: TEST_CARRIER_SECRET,
    LOG_LEVEL: 'info',
    PROJECTION_STANDBY_RETRY_MS: '500',
    // The workload drives every order with one customer token; the per-user limit has its own test (user-limits).
    USER_COMMAND_RPS: '100000',
    // ... and from one address (127.0.0.1): the per-IP caps have their own tests (overload).
    HTTP_MAX_IN_FLIGHT_PER_IP: '0',
    HTTP_MAX_CONNECTIONS_PER_IP: '0',
    ...env,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const alive = () => process_.child.exitCode === null && process_.child.signalCode === null;
  const replica: Replica = {
    ...process_,
    baseUrl,
    name,
    alive,
    async terminate() {
      const started = Date.now();
      process_.child.kill('SIGTERM');
      const code = await process_.exited;
      return { code, ms: Date.now() - started };
    },
    async kill() {
      if (!alive()) return;
      process_.child.kill('SIGKILL');
      await process_.exited;
    },
  };
  try {
    await until(
      async () => {
        if (!alive()) throw new Error(`${name} exited with ${process_.child.exitCode}:\n${process_.output().slice(-4000)}`);
        const ok = await fetch(`${baseUrl}/health/ready`).then(
          (response) => response.ok,
          () => false,
        );
        return ok ? true : undefined;
      },
      `${name} to be ready`,
      { timeoutMs: readyTimeoutMs, intervalMs: 100, diagnostics: process_.output },
    );
  } catch (error) {
    await replica.kill();
    throw error;
  }
  return replica;
}

export function token(role: UserRole, sub = `${role}-1`): Promise<string> {
  return JwtService.sign(TEST_JWT_SECRET, sub, [role], 3600);
}

export interface CallResult {
  status: number;
  body: unknown;
}

/** fetch with a JSON body and a bearer token; never throws on a refused connection (status 0). */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; body?: Buffer; contentType?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body) headers['content-type'] = options.contentType ?? 'model/stl';
  try {
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

/**
 * A request whose body arrives in two halves with a pause between: it is
 * in flight for as long as the caller wants (`sendRest` ends it).
 */
export function slowUpload(baseUrl: string, path: string, bearer: string, body: Buffer): { sendRest(): void; response: Promise<{ status: number; body: string }> } {
  const url = new URL(path, baseUrl);
  const half = Math.floor(body.length / 2);
  let sendRest = () => undefined as void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'model/stl', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.write(body.subarray(0, half));
    sendRest = () => void req.end(body.subarray(half));
  });
  return { sendRest: () => sendRest(), response };
}
