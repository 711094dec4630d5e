import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheusText } from '../src/infrastructure/observability/metrics/prometheus-text';
import { startTestApp, type TestApp } from './support/test-app';

const DOCKER = join(__dirname, '..', 'docker');
const DASHBOARDS = join(DOCKER, 'grafana', 'dashboards');
const RULES = join(DOCKER, 'prometheus', 'rules');

/** Scraped by Prometheus itself, not exposed by the app. */
const PROMETHEUS_SERIES = new Set(['up']);
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: drops strings, label
 * matchers, grouping clauses, ranges, Grafana variables and function calls;
 * what is left are metric (or recording rule) names.
 */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?[A-Za-z_]+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice((match.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(word.toLowerCase())) continue;
    if (/^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}

function dashboardQueries(dashboard: Record<string, unknown>): string[] {
  const queries: string[] = [];
  const visit = (panels: unknown[] | undefined) => {
    for (const panel of (panels ?? []) as { targets?: { expr?: string }[]; panels?: unknown[] }[]) {
      for (const target of panel.targets ?? []) if (target.expr) queries.push(target.expr);
      visit(panel.panels);
    }
  };
  visit(dashboard.panels as unknown[]);
  for (const variable of (dashboard.templating as { list?: { query?: string | { query?: string } }[] })?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    // label_values(metric, label): the metric is its first argument.
    const labelValues = query && /label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)/.exec(query);
    if (labelValues) queries.push(labelValues[1] as string);
  }
  return queries;
}

describe('Grafana dashboards and Prometheus rules against the metrics the app exposes', () => {
  let app: TestApp;
  const exposed = new Set<string>();

  beforeAll(async () => {
    app = await startTestApp();
    // Traffic on a few routes so labelled series exist, then one scrape.
    const token = await app.token('customer', 'cust-dashboards');
    await app.request('/api/shop/orders', { method: 'POST', token, json: { material: 'GOLD_750' } });
    await app.request('/api/shop/orders', { token });
    const text = await (await app.metrics()).text();
    for (const line of text.split('\n')) {
      const family = /^# TYPE (\S+) (\S+)/.exec(line);
      if (!family) continue;
      exposed.add(family[1] as string);
      if (family[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(`${family[1]}${suffix}`);
      if (family[2] === 'summary') for (const suffix of ['_sum', '_count']) exposed.add(`${family[1]}${suffix}`);
    }
    for (const sample of parsePrometheusText(text)) exposed.add(sample.name);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('reads PromQL the way the check below needs', () => {
    expect(metricNamesIn('histogram_quantile(0.95, sum by (module, le) (rate(http_request_duration_seconds_bucket{module=~"$module",le="1"}[$__rate_interval]))) * 60')).toEqual([
      'http_request_duration_seconds_bucket',
    ]);
    expect(metricNamesIn('a:b:rate5m > 0.05 and on() sum(rate(x_total[5m])) > bool 1')).toEqual(['a:b:rate5m', 'x_total']);
  });

  const dashboardFiles = readdirSync(DASHBOARDS).filter((file) => file.endsWith('.json'));

  it('has the dashboards the operators need, each valid JSON with a unique uid', () => {
    expect(dashboardFiles.sort()).toEqual(
      [
        'alexandrite-orders.json',
        'alexandrite-pricing.json',
        'alexandrite-projections.json',
        'alexandrite-red.json',
        'alexandrite-stuck-orders.json',
        'alexandrite-use.json',
      ].sort(),
    );
    const uids = dashboardFiles.map((file) => (JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as { uid: string }).uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('covers RED, USE, the order funnel, stuck orders, pricing and projection lag', () => {
    const names = new Set(
      dashboardFiles.flatMap((file) => dashboardQueries(JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as Record<string, unknown>)).flatMap(metricNamesIn),
    );
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
      'alexandrite_orders',
      'alexandrite_order_events_total',
      'alexandrite_orders_stuck',
      'alexandrite_pricing_duration_seconds_bucket',
      'alexandrite_pricing_dead_letters_open',
      'alexandrite_projection_lag_seconds',
      'alexandrite_event_store_append_duration_seconds_bucket',
    ]) {
      expect({ name, shown: names.has(name) }).toEqual({ name, shown: true });
    }
  });

  it.each(dashboardFiles)('%s queries only metrics the app exposes', (file) => {
    const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as Record<string, unknown>;
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(0);
    const unknown = queries.flatMap(metricNamesIn).filter((name) => !exposed.has(name) && !PROMETHEUS_SERIES.has(name));
    expect(unknown).toEqual([]);
  });

  it('alert and recording rules read only exposed metrics or their own recordings', () => {
    const text = readdirSync(RULES)
      .filter((file) => file.endsWith('.yml'))
      .map((file) => readFileSync(join(RULES, file), 'utf8'))
      .join('\n');
    const recorded = new Set([...text.matchAll(/^\s*- record: (\S+)/gm)].map((match) => match[1] as string));
    // Each expr is a YAML scalar: inline after `expr:` or a `|` block indented below it.
    const exprs = [...text.matchAll(/expr: (?:\|\n((?:\s{10,}.*\n?)+)|(.+))/g)].map((match) => (match[1] ?? match[2] ?? '').trim());
    expect(exprs.length).toBeGreaterThan(10);
    const unknown = exprs.flatMap(metricNamesIn).filter((name) => !exposed.has(name) && !recorded.has(name) && !PROMETHEUS_SERIES.has(name));
    expect(unknown).toEqual([]);
  });
});
