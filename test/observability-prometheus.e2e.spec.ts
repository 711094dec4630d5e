import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

/**
 * A real Prometheus (Debian package `prometheus`, installed by .ci/run)
 * scrapes the running app every second, loads our alert rules, and answers
 * PromQL over the RED metrics.
 */
const prometheusBinary = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

const describeWithPrometheus = prometheusBinary ? describe : describe.skip;
if (!prometheusBinary) {
  console.warn('observability-prometheus.e2e: SKIPPED, no `prometheus` binary on PATH (apt-get install -y prometheus; .ci/run installs it)');
}

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

describeWithPrometheus(`a real Prometheus scraping the app${prometheusBinary ? '' : ' (skipped: prometheus is not installed)'}`, () => {
  let app: TestApp;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let workDir: string;
  let output = '';

  beforeAll(async () => {
    app = await startTestApp();
    workDir = await mkdtemp(join(tmpdir(), 'alexandrite-prometheus-'));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(join(__dirname, '..', 'docker', 'prometheus', 'rules', '*.yml'))}`,
      'scrape_configs:',
      '  - job_name: alexandrite',
      '    static_configs:',
      `      - targets: ["${new URL((await app.metrics()).url).host}"]`,
    ].join('\n');
    await writeFile(join(workDir, 'prometheus.yml'), `${config}\n`);
    prometheus = spawn(
      prometheusBinary as string,
      [`--config.file=${join(workDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(workDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    prometheus.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await prometheusUntil(async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok === true, 'Prometheus ready');
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await app?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** Prometheus answers errors while it starts and before its first scrape: a failed check is "not yet" (every 250 ms, up to 30 s). */
  const prometheusUntil = (check: () => Promise<boolean>, what: string, diagnostics?: () => string) =>
    until(() => check().catch(() => false), what, { timeoutMs: 30_000, intervalMs: 250, ...(diagnostics ? { diagnostics } : {}) });

  const query = async (promql: string): Promise<QueryResult[]> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { result: QueryResult[] }; error?: string };
    if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error}`);
    return body.data.result;
  };

  it('scrapes /metrics and answers PromQL for request rate, errors and latency per route', async () => {
    const token = await app.token('customer', 'cust-prometheus');
    for (let i = 0; i < 3; i++) expect((await app.request('/api/shop/orders', { method: 'POST', token, json: { material: 'GOLD_750' } })).status).toBe(201);
    expect((await app.request('/api/shop/orders', { method: 'POST', token, json: { material: 'UNOBTAINIUM' } })).status).toBe(422);

    let requests: QueryResult[] = [];
    await prometheusUntil(
      async () => {
        requests = await query('sum by (route, method, status_class) (http_requests_total{job="alexandrite",route="/api/shop/orders"})');
        const created = requests.find((row) => row.metric.status_class === '2xx');
        return Number(created?.value[1] ?? 0) >= 3;
      },
      'the RED counter scraped',
      () => output,
    );
    expect(requests).toEqual(
      expect.arrayContaining([
        { metric: { route: '/api/shop/orders', method: 'POST', status_class: '2xx' }, value: [expect.any(Number), '3'] },
        { metric: { route: '/api/shop/orders', method: 'POST', status_class: '4xx' }, value: [expect.any(Number), '1'] },
      ]),
    );

    const [up] = await query('up{job="alexandrite"}');
    expect(up?.value[1]).toBe('1');
    const [latency] = await query('histogram_quantile(0.99, sum by (le) (http_request_duration_seconds_bucket{route="/api/shop/orders"}))');
    expect(Number(latency?.value[1])).toBeGreaterThan(0);
  });

  it('loads the alert rules and evaluates them without errors', async () => {
    let groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] = [];
    await prometheusUntil(
      async () => {
        const body = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as { data: { groups: typeof groups } };
        groups = body.data.groups;
        return groups.length > 0 && groups.every((group) => group.rules.every((rule) => rule.health !== 'unknown'));
      },
      'rules evaluated',
      () => output,
    );
    const rules = groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.name)).toEqual(expect.arrayContaining(['AlexandriteHigh5xxRatio', 'AlexandriteOrdersStuck', 'AlexandriteProjectionLagging']));
    expect(rules.filter((rule) => rule.health !== 'ok')).toEqual([]);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
