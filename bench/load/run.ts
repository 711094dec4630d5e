/**
 * Sustained mixed load (`npm run bench:load`): ten times the seeds' peaks,
 * 500 RPS of dashboard/catalogue reads and 100 RPS of order commands, open
 * loop, for BENCH_DURATION_S (default 60) against one replica and then two
 * (round robin) on one database. Reports the error rate and p50/p99 per
 * endpoint, and each app process's CPU and memory (sampled from /proc), and
 * writes its section of docs/BENCHMARKS.md. The two runs are measured side
 * by side in one invocation; the generator shares the machine, so read the
 * one-vs-two ratio rather than absolute figures.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '../../src/infrastructure/auth/jwt.service';
import { findFreePort } from '../../src/infrastructure/database/embedded-postgres';
import { percentile } from '../isolation/open-loop';
import { startBenchApp, stopBenchApp } from '../support/app-process';
import { createBenchDatabase, startBenchServer } from '../support/bench-database';
import { machineLine, writeBenchmarkSection } from '../support/benchmarks-doc';

const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 60) * 1000;
const READ_RPS = Number(process.env.BENCH_READ_RPS ?? 500);
const COMMAND_RPS = Number(process.env.BENCH_COMMAND_RPS ?? 100);
const JWT_SECRET = randomUUID() + randomUUID();
const CLOCK_TICKS = 100;
const WARM_UP_MS = 5_000;

interface EndpointStats {
  /** Of every answer (any status). */
  latenciesMs: number[];
  /** Of the 2xx answers only: what an admitted request costs. */
  okLatenciesMs: number[];
  statuses: Map<number, number>;
  failures: number;
}

interface ProcessSample {
  cpuPercent: number;
  maxRssMb: number;
}

interface RunResult {
  replicas: number;
  endpoints: Map<string, EndpointStats>;
  processes: ProcessSample[];
  sent: number;
  /** Answers (any status) per second over the run. */
  answeredPerSecond: number;
  /** CPU of this generator process, in % of one core. */
  generatorCpuPercent: number;
}

/** A binary STL box (12 triangles), enough for upload and pricing. */
function boxStl(): Buffer {
  const v = [
    [0, 0, 0],
    [10, 0, 0],
    [10, 10, 0],
    [0, 10, 0],
    [0, 0, 4],
    [10, 0, 4],
    [10, 10, 4],
    [0, 10, 4],
  ];
  const faces = [
    [0, 2, 1],
    [0, 3, 2],
    [4, 5, 6],
    [4, 6, 7],
    [0, 1, 5],
    [0, 5, 4],
    [1, 2, 6],
    [1, 6, 5],
    [2, 3, 7],
    [2, 7, 6],
    [3, 0, 4],
    [3, 4, 7],
  ];
  const buffer = Buffer.alloc(84 + faces.length * 50);
  buffer.writeUInt32LE(faces.length, 80);
  faces.forEach((face, index) => face.forEach((vertex, corner) => v[vertex]!.forEach((value, axis) => buffer.writeFloatLE(value, 84 + index * 50 + 12 + corner * 12 + axis * 4))));
  return buffer;
}

interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

interface CallResult {
  status: number;
  json(): unknown;
}

/**
 * One request over node:http on a keep-alive agent (at most 512 sockets per
 * replica), with a 10 s timeout. fetch cost the generator more CPU than the
 * app under load, and past ~1,000 RPS its own saturated event loop made the
 * latencies (and the 'errors') instead of the app.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
function call(url: string, init: CallInit): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent, signal: AbortSignal.timeout(10_000) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: response.statusCode ?? 0, json: () => JSON.parse(body.toString('utf8')) as unknown });
      });
    });
    request.once('error', reject);
    request.end(init.body);
  });
}

async function main(): Promise<void> {
  const server = await startBenchServer();
  const results: RunResult[] = [];
  try {
    const replicaCounts = (process.env.BENCH_REPLICAS ?? '1,2').split(',').map(Number);
    for (const replicas of replicaCounts) results.push(await run(server.url, replicas));
  } finally {
    await server.stop();
  }
  const doc = report(results, server.label);
  console.log(doc);
  // Other rates (an overload drill, say) get their own section next to the standard one.
  const section =
    READ_RPS === 500 && COMMAND_RPS === 100 && !process.env.HTTP_MAX_IN_FLIGHT ? 'load' : `load-${READ_RPS}-${COMMAND_RPS}-${process.env.HTTP_MAX_IN_FLIGHT ?? 'default'}`;
  console.log(`written to ${writeBenchmarkSection(section, doc)}`);
}

async function run(serverUrl: string, replicaCount: number): Promise<RunResult> {
  const database = await createBenchDatabase(serverUrl, `load${replicaCount}`, { migrate: false });
  const dataDir = await mkdtemp(join(tmpdir(), 'alexandrite-bench-load-'));
  const apps: Array<{ child: ChildProcess; baseUrl: string }> = [];
  try {
    for (let i = 0; i < replicaCount; i++) {
      const port = await findFreePort();
      const child = await startBenchApp({
        port,
        readyWithinMs: 90_000,
        env: {
          DATABASE_URL: database.url,
          DATA_DIR: dataDir,
          JWT_SECRET,
          LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
          // The generator is one client address: lift the per-IP limit of the anonymous catalogue.
          RATE_LIMIT_ANONYMOUS_RPS: '100000',
          RATE_LIMIT_ANONYMOUS_BURST: '100000',
          // ... and its per-IP caps on requests in progress and connections.
          HTTP_MAX_IN_FLIGHT_PER_IP: '0',
          HTTP_MAX_CONNECTIONS_PER_IP: '0',
          // All commands come from one customer token (bench-customer): lift its per-user limit too.
          USER_COMMAND_RPS: '100000',
        },
      });
      apps.push({ child, baseUrl: `http://127.0.0.1:${port}` });
    }
    const tokens = {
      customer: await JwtService.sign(JWT_SECRET, 'bench-customer', ['customer'], 3600),
      seller: await JwtService.sign(JWT_SECRET, 'bench-seller', ['seller'], 3600),
      operator: await JwtService.sign(JWT_SECRET, 'bench-operator', ['operator'], 3600),
    };
    const endpoints = new Map<string, EndpointStats>();
    let next = 0;
    const model = boxStl();
    // Orders waiting for their next command: create -> upload -> submit (pricing then runs in the app).
    const created: string[] = [];
    const uploaded: string[] = [];
    const send = async (name: string, path: string, init: CallInit): Promise<CallResult | undefined> => {
      const stats: EndpointStats = endpoints.get(name) ?? { latenciesMs: [], okLatenciesMs: [], statuses: new Map(), failures: 0 };
      endpoints.set(name, stats);
      const base = apps[next++ % apps.length]!.baseUrl;
      const started = performance.now();
      try {
        const response = await call(`${base}${path}`, init);
        const latencyMs = performance.now() - started;
        stats.latenciesMs.push(latencyMs);
        if (response.status < 300) stats.okLatenciesMs.push(latencyMs);
        stats.statuses.set(response.status, (stats.statuses.get(response.status) ?? 0) + 1);
        return response;
      } catch {
        stats.failures += 1;
        return undefined;
      }
    };
    const auth = (token: string, json?: unknown): CallInit => ({
      headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const read = (index: number) => {
      const kind = index % 5;
      if (kind < 2) return send('GET /api/mes/orders', '/api/mes/orders?limit=50', auth(tokens.operator));
      if (kind < 4) return send('GET /api/shop/catalog', '/api/shop/catalog', {});
      return send('GET /api/crm/orders', '/api/crm/orders?limit=50', auth(tokens.seller));
    };
    const command = async () => {
      const toSubmit = uploaded.shift();
      if (toSubmit) return send('POST submit', `/api/shop/orders/${toSubmit}/submit`, { method: 'POST', ...auth(tokens.customer) });
      const toUpload = created.shift();
      if (toUpload) {
        const response = await send('PUT model', `/api/shop/orders/${toUpload}/model`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${tokens.customer}`, 'content-type': 'model/stl' },
          body: new Uint8Array(model),
        });
        if (response?.status === 200) uploaded.push(toUpload);
        return response;
      }
      const response = await send('POST create', '/api/shop/orders', { method: 'POST', ...auth(tokens.customer, { material: 'GOLD_750' }) });
      if (response?.status === 201) created.push(((await response.json()) as { id: string }).id);
      return response;
    };

    const schedule = (rps: number, durationMs: number, fire: (index: number) => Promise<unknown>) =>
      (async () => {
        const begin = performance.now();
        const total = Math.round((rps * durationMs) / 1000);
        const inFlight: Array<Promise<unknown>> = [];
        for (let index = 0; index < total; index++) {
          const wait = begin + (index * 1000) / rps - performance.now();
          if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
          inFlight.push(fire(index));
        }
        await Promise.all(inFlight);
        return total;
      })();
    // Warm-up, not measured: JIT, pools and caches of a replica that has been serving for a while.
    await Promise.all([schedule(READ_RPS / 5, WARM_UP_MS, read), schedule(COMMAND_RPS / 5, WARM_UP_MS, () => command())]);
    endpoints.clear();

    const cpuBefore = apps.map((app) => cpuTicks(app.child.pid!));
    const generatorBefore = process.cpuUsage();
    const rss = apps.map(() => 0);
    const sampler = setInterval(() => apps.forEach((app, i) => (rss[i] = Math.max(rss[i]!, rssMb(app.child.pid!)))), 1_000);
    const started = performance.now();
    const [reads, commands] = await Promise.all([schedule(READ_RPS, DURATION_MS, read), schedule(COMMAND_RPS, DURATION_MS, () => command())]);
    const elapsedS = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const processes = apps.map((app, i) => ({
      cpuPercent: ((cpuTicks(app.child.pid!) - cpuBefore[i]!) / CLOCK_TICKS / elapsedS) * 100,
      maxRssMb: Math.max(rss[i]!, rssMb(app.child.pid!)),
    }));
    const generator = process.cpuUsage(generatorBefore);
    const answered = [...endpoints.values()].reduce((sum, stats) => sum + stats.latenciesMs.length, 0);
    return {
      replicas: replicaCount,
      endpoints,
      processes,
      sent: reads + commands,
      answeredPerSecond: answered / elapsedS,
      generatorCpuPercent: ((generator.user + generator.system) / 1e6 / elapsedS) * 100,
    };
  } finally {
    for (const app of apps) await stopBenchApp(app.child);
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function cpuTicks(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 are utime and stime (after the parenthesised command name).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

function report(results: RunResult[], databaseLabel: string): string {
  const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(1) : '-');
  const names = [...new Set(results.flatMap((result) => [...result.endpoints.keys()]))].sort();
  const rows: string[] = [];
  for (const name of names) {
    const cells = results.map((result) => {
      const stats = result.endpoints.get(name);
      if (!stats) return '- | - | - | - | - | -';
      const total = stats.latenciesMs.length + stats.failures;
      const count = (predicate: (status: number) => boolean) => [...stats.statuses].filter(([status]) => predicate(status)).reduce((sum, [, n]) => sum + n, 0);
      const percent = (n: number) => `${((n / Math.max(1, total)) * 100).toFixed(1)}%`;
      const ok = count((status) => status < 300);
      const shed = count((status) => status === 503);
      // Transport failures (the 10 s client timeout included) and 5xx other than the fast 503s.
      const errors = stats.failures + count((status) => status >= 500 && status !== 503);
      return `${total} | ${percent(ok)} | ${percent(shed)} | ${percent(errors)} | ${fmt(percentile(stats.okLatenciesMs, 50))} | ${fmt(percentile(stats.okLatenciesMs, 99))}`;
    });
    rows.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  const processLines = results.map(
    (result) =>
      `- ${result.replicas} replica(s): ${result.sent} requests sent, ${result.answeredPerSecond.toFixed(0)} answers/s; load generator CPU ${result.generatorCpuPercent.toFixed(0)}%; ${result.processes.map((p, i) => `process ${i + 1} CPU ${p.cpuPercent.toFixed(0)}% of one core, max RSS ${p.maxRssMb.toFixed(0)} MB`).join('; ')}`,
  );
  const settings = ['HTTP_MAX_IN_FLIGHT', 'BENCH_REPLICAS', 'BENCH_DURATION_S', 'BENCH_READ_RPS', 'BENCH_COMMAND_RPS'].filter((name) => process.env[name] !== undefined);
  const command = [...settings.map((name) => `${name}=${process.env[name]}`), 'npm run bench:load'].join(' ');
  return `## Sustained mixed load: ${READ_RPS} + ${COMMAND_RPS} RPS, ${results.map((result) => result.replicas).join(' and ')} replica(s)

\`${command}\`: after a 5 s warm-up at a fifth of the rate, open loop for ${DURATION_MS / 1000} s of ${READ_RPS} RPS reads
(MES dashboard page 2/5, catalogue 2/5, CRM list 1/5) and ${COMMAND_RPS} RPS order commands (create, upload a
12-triangle STL, submit; pricing runs in the app), against ${results.map((result) => (result.replicas === 1 ? 'one app process' : `${result.replicas} (round robin)`)).join(' and then ')}
on one PostgreSQL (${databaseLabel}); HTTP_MAX_IN_FLIGHT ${process.env.HTTP_MAX_IN_FLIGHT ?? '256 (the default)'}.
Per endpoint and run: requests sent; answered 2xx; refused at once with 503 (OVERLOADED, DATABASE_*;
Retry-After); errors (transport failures including the 10 s client timeout, other 5xx; 4xx are in none
of these); p50/p99 in ms of the 2xx answers, send to full answer.

| endpoint | 1 replica: requests | 2xx | 503 | errors | p50 | p99 | 2 replicas: requests | 2xx | 503 | errors | p50 | p99 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

${processLines.join('\n')}

The load generator, PostgreSQL and the replicas share the machine's cores, so two replicas on
one machine measure contention more than scale-out. ${machineLine()}.
`;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
