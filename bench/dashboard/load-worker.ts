/**
 * The dashboard bench's load generator, run in a worker thread
 * (bench/dashboard/run.ts) so that its 50 callers, its HTTP client and its
 * latency bookkeeping do not share the app's event loop: what it measures
 * is the app, not the app waiting behind its own load generator.
 */
import { Agent, get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { Pool } from 'pg';
import { DASHBOARD_PAGE, STATUS_COUNTS } from '../../src/modules/mes/dashboard/dashboard.queries';

export type LoadJob =
  | { mode: 'http'; url: string; token: string; connections: number; runMs: number }
  | { mode: 'sql'; databaseUrl: string; poolSize: number; statuses: string[]; connections: number; runMs: number }
  | { mode: 'freshness'; baseUrl: string; token: string; orderIds: string[] };

export interface LoadResult {
  latencies: number[];
  perSecond: number;
}

/** Runs `job` in a fresh worker thread and resolves with its result. */
export function runInWorker(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: job });
    worker.once('message', (result: LoadResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load worker exited with ${code}`))));
  });
}

async function work(job: LoadJob): Promise<LoadResult> {
  if (job.mode === 'http') {
    // node:http on a keep-alive agent, one socket per caller: a fraction of fetch's CPU per request,
    // which matters when the generator shares the app's 2 cores.
    const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
    const headers = { authorization: `Bearer ${job.token}` };
    try {
      return await closedLoop(job.connections, job.runMs, () => httpGet(job.url, headers, agent));
    } finally {
      agent.destroy();
    }
  }
  if (job.mode === 'sql') {
    const pool = new Pool({ connectionString: job.databaseUrl, max: job.poolSize });
    try {
      // The repository's page(): the page and the counts in parallel, named statements as the app sends them.
      return await closedLoop(job.connections, job.runMs, async () => {
        await Promise.all([
          pool.query({ ...DASHBOARD_PAGE, values: [job.statuses, '-infinity', '00000000-0000-0000-0000-000000000000', 51, null, null] }),
          pool.query({ ...STATUS_COUNTS, values: [] }),
        ]);
      });
    } finally {
      await pool.end();
    }
  }
  return { latencies: await measureFreshness(job.baseUrl, job.token, job.orderIds), perSecond: 0 };
}

/** GET `url`, reading the whole answer; rejects on anything but a 200. */
function httpGet(url: string, headers: Record<string, string>, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers, agent }, (response) => {
      response.on('data', () => undefined);
      response.once('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
      response.once('error', reject);
    });
    request.once('error', reject);
  });
}

/** `connections` callers in a closed loop for `runMs` (after a 1 s warm-up); latencies in ms. */
async function closedLoop(connections: number, runMs: number, call: () => Promise<void>): Promise<LoadResult> {
  const warmUpEnd = performance.now() + 1_000;
  while (performance.now() < warmUpEnd) await Promise.all(Array.from({ length: connections }, call));
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + runMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, perSecond: latencies.length / ((performance.now() - started) / 1000) };
}

/** One command at a time: POST start, then wait for the order's MANUFACTURING_STARTED on the stream. */
async function measureFreshness(baseUrl: string, token: string, orderIds: string[]): Promise<number[]> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/mes/orders/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const seen = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!block.includes('event: order')) continue;
        const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { id: string; status: string };
        if (data.status !== 'MANUFACTURING_STARTED') continue;
        seen.set(data.id, performance.now());
        waiters.get(data.id)?.();
      }
    }
  })();
  const samples: number[] = [];
  for (const id of orderIds) {
    const visible = new Promise<void>((resolve) => waiters.set(id, resolve));
    const t0 = performance.now();
    const posted = await fetch(`${baseUrl}/api/mes/orders/${id}/start`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (posted.status !== 200) throw new Error(`start ${id}: HTTP ${posted.status}`);
    await posted.arrayBuffer();
    const timeout = new AbortController();
    await Promise.race([visible, sleep(10_000, undefined, { signal: timeout.signal }).then(() => Promise.reject(new Error(`order ${id} never showed on the stream`)))]).finally(
      () => timeout.abort(),
    );
    samples.push(seen.get(id)! - t0);
  }
  controller.abort();
  await pump;
  return samples;
}

if (parentPort && workerData) {
  const port = parentPort;
  work(workerData as LoadJob).then(
    (result) => port.postMessage(result),
    (error: unknown) => {
      throw error;
    },
  );
}
