/**
 * Long-poll benchmark (`npm run bench:long-poll`): 10,000 concurrent long
 * polls (`GET /api/shop/orders/:id?changedAfter=0&wait=30`) on one app
 * process, what they cost it (memory, CPU while they wait), and the time
 * from a change (its command acknowledged) to the answers of its waiters.
 * Baselines in the same run: the app's memory and CPU before the polls are
 * opened, and the latency of the change commands themselves.
 *
 * The app runs as its own process (`dist/src/main.js`); the polls come from
 * this one. Uses DATABASE_URL's server when set, else an embedded PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '../../src/infrastructure/auth/jwt.service';
import { findFreePort } from '../../src/infrastructure/database/free-port';
import { startBenchApp, stopBenchApp } from '../support/app-process';
import { createBenchDatabase, startBenchServer } from '../support/bench-database';
import { machineLine, writeBenchmarkSection } from '../support/benchmarks-doc';
import { processCpuMs, residentBytes } from '../support/process-stats';

const POLLS = Number(process.env.BENCH_LONG_POLLS ?? 10_000);
const WAITERS_PER_ORDER = 10;
const ORDERS = Math.ceil(POLLS / WAITERS_PER_ORDER);
/** Changes per second once every poll waits (one order cancelled each time: its waiters answer). */
const CHANGES_PER_SECOND = Number(process.env.BENCH_CHANGES_PER_SECOND ?? 100);
const JWT_SECRET = randomUUID() + randomUUID();

interface Answer {
  status: number;
  at: number;
}

async function main(): Promise<void> {
  const server = await startBenchServer();
  const database = await createBenchDatabase(server.url, 'long_poll', { migrate: false });
  const dataDir = await mkdtemp(join(tmpdir(), 'alexandrite-bench-long-poll-'));
  const [port, metricsPort] = [await findFreePort(), await findFreePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  const app = await startBenchApp({
    port,
    env: {
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      JWT_SECRET,
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      PRICING_WORKER_ENABLED: 'false',
      // Every poll comes from 127.0.0.1: the per-IP caps (meant for distinct clients) would count them as one.
      HTTP_MAX_IN_FLIGHT_PER_IP: '0',
      HTTP_MAX_CONNECTIONS_PER_IP: '0',
      USER_COMMAND_RPS: '100000',
    },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const token = await JwtService.sign(JWT_SECRET, 'bench-customer', ['customer'], 3600);
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const orderIds: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const response = await call('POST', '/api/shop/orders', { material: 'GOLD_750' });
      if (response.status !== 201) throw new Error(`creating an order failed: ${response.status} ${await response.text()}`);
      orderIds.push(((await response.json()) as { id: string }).id);
    }
    // Settle: projector caught up, JIT warm, garbage collected by the app's own rhythm.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const idle = await sampleApp(app.pid as number, 5_000);

    const loadBefore = loadavg()[0] ?? 0;
    const openedAt = Date.now();
    const answers = new Map<string, Promise<Answer>>();
    for (let i = 0; i < POLLS; i++) {
      const orderId = orderIds[i % ORDERS]!;
      answers.set(`${orderId}#${i}`, poll(agent, `${baseUrl}/api/shop/orders/${orderId}?changedAfter=0&wait=30`, token));
    }
    await waitForOpenPolls(metricsPort, POLLS, 60_000);
    const openMs = Date.now() - openedAt;
    const waiting = await sampleApp(app.pid as number, 5_000);

    // Cancel one order after another at CHANGES_PER_SECOND; each ends its waiters' polls.
    const ackedAt = new Map<string, number>();
    const commandLatencies: number[] = [];
    const cpuBefore = processCpuMs(app.pid as number);
    const changesStarted = Date.now();
    await Promise.all(
      orderIds.map(async (orderId, index) => {
        await new Promise((resolve) => setTimeout(resolve, (index * 1000) / CHANGES_PER_SECOND));
        const sent = Date.now();
        const response = await call('POST', `/api/shop/orders/${orderId}/cancel`, { reason: 'bench' });
        if (response.status >= 300) throw new Error(`cancel failed: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
        ackedAt.set(orderId, Date.now());
        commandLatencies.push(Date.now() - sent);
      }),
    );
    const settled = await Promise.all(answers.values());
    const changesMs = Date.now() - changesStarted;
    const cpuDuringChangesMs = processCpuMs(app.pid as number) - cpuBefore;
    const loadAfter = loadavg()[0] ?? 0;

    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    for (const [key, answer] of [...answers.keys()].map((k, i) => [k, settled[i]!] as const)) {
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const orderId = key.split('#')[0]!;
      latencies.push(Math.max(0, answer.at - ackedAt.get(orderId)!));
    }
    const fmt = (ms: number) => ms.toFixed(1);
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    const markdown = `## Long polling (\`npm run bench:long-poll\`)

${POLLS.toLocaleString('en')} long polls (\`GET /api/shop/orders/:id?changedAfter=0&wait=30\`, ${WAITERS_PER_ORDER} per order on ${ORDERS.toLocaleString('en')} orders) held open at once on one app process; then one order cancelled after another, ${CHANGES_PER_SECOND} a second, each change ending its ${WAITERS_PER_ORDER} waiters' polls. Database ${server.label}.

| measure | before the polls (baseline) | ${POLLS.toLocaleString('en')} polls waiting |
| --- | --- | --- |
| app resident memory | ${mib(idle.rssBytes)} MiB | ${mib(waiting.rssBytes)} MiB (+${((waiting.rssBytes - idle.rssBytes) / POLLS / 1024).toFixed(1)} KiB per poll) |
| app CPU while nothing changes (5 s) | ${idle.cpuPercent.toFixed(1)}% of a core | ${waiting.cpuPercent.toFixed(1)}% of a core |

- Opening the ${POLLS.toLocaleString('en')} polls took ${(openMs / 1000).toFixed(1)} s (authentication and one read of the order each).
- Change to answer (the cancel acknowledged to its waiters' answers), ${latencies.length.toLocaleString('en')} answers: p50 ${fmt(percentile(latencies, 50))} ms, p99 **${fmt(percentile(latencies, 99))} ms**, max ${fmt(Math.max(...latencies))} ms. Baseline in the same run, the cancel command itself: p50 ${fmt(percentile(commandLatencies, 50))} ms, p99 ${fmt(percentile(commandLatencies, 99))} ms.
- While the ${ORDERS.toLocaleString('en')} changes were answered (${(changesMs / 1000).toFixed(1)} s): app CPU ${((100 * cpuDuringChangesMs) / changesMs).toFixed(0)}% of a core, ${(cpuDuringChangesMs / POLLS).toFixed(2)} ms per answered poll, commands included.
- Answers: ${JSON.stringify(Object.fromEntries(statuses))}.

Waiters are woken by the projector's change notifications: one query per committed batch for all of them (src/projections/runtime/order-revision-waiters.ts), none while nothing changes, so waiting costs memory, not CPU. Measured on ${machineLine()}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`;
    const path = writeBenchmarkSection('long-poll', markdown);
    console.log(markdown);
    console.log(`\nwritten to ${path}`);
  } finally {
    agent.destroy();
    await stopBenchApp(app);
    await database.drop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** One long poll over node:http (fetch would cost this process far more per open request); resolves with its answer's time. */
function poll(agent: Agent, url: string, token: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      response.once('end', () => resolve({ status: response.statusCode ?? 0, at: Date.now() }));
    });
    req.once('error', () => resolve({ status: 0, at: Date.now() }));
    req.end();
  });
}

async function waitForOpenPolls(metricsPort: number, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
      (response) => response.text(),
      () => '',
    );
    const open = Number(/^alexandrite_http_long_polls_open (\d+)/m.exec(text)?.[1] ?? 0);
    if (open >= expected) return;
    if (Date.now() > deadline) throw new Error(`only ${open} of ${expected} long polls open after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The app's resident memory and its CPU use over `ms` (from /proc). */
async function sampleApp(pid: number, ms: number): Promise<{ rssBytes: number; cpuPercent: number }> {
  const before = processCpuMs(pid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const cpuPercent = (100 * (processCpuMs(pid) - before)) / ms;
  return { rssBytes: residentBytes(pid), cpuPercent };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
