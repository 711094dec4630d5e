import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startTestApp, type TestApp } from './support/test-app';
import { createdOrder, submittedOrder } from './support/orders';

const ROOT = join(__dirname, '..');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `npm run order -- …` as a real child process, run from its TypeScript sources
 * (test/support/ts-register.js, as app-process.ts runs main.ts) so no build of
 * dist/ is needed. Asynchronous on purpose: the app answering it lives in this
 * very process, so a synchronous spawn would block it.
 */
function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', join(ROOT, 'test', 'support', 'ts-register.js'), join(ROOT, 'src', 'cli', 'order.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('support CLI (npm run order) against a running app', () => {
  let app: TestApp;
  let customer: string;
  let support: string;
  let submittedId: string;
  let initiatedId: string;
  const cli = (...args: string[]) => runCli([...args, '--url', app.baseUrl, '--token', support]);

  beforeAll(async () => {
    // Short SLA so an order becomes "stuck" within the test; no pricing worker, so a submitted order stays SUBMITTED.
    app = await startTestApp({ ORDER_SLA: 'INITIATED=1s,SUBMITTED=1s', PRICING_WORKER_ENABLED: 'false' });
    [customer, support] = await Promise.all([app.token('customer', 'cust-cli'), app.token('support', 'support-cli-test')]);
    let creates = 0;
    const headers = () => ({ 'x-correlation-id': 'corr-cli-1', 'x-request-id': `cli-create-${++creates}` });
    submittedId = await submittedOrder(app, customer, { material: 'SILVER_925', headers: headers() });
    initiatedId = await createdOrder(app, customer, { material: 'SILVER_925', headers: headers() });
    // Past the 1 s SLA of both orders' statuses.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('history prints every event in order and the time-in-status table, without colours when not on a terminal', async () => {
    const { code, stdout, stderr } = await cli('history', submittedId);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`order ${submittedId}`);
    expect(stdout).not.toContain('\u001b[');
    const eventLines = stdout.split('\n').filter((line) => /^\s+\d+\s+\d{4}-\d\d-\d\dT/.test(line));
    // revision, time, type, status after, actor
    const columns = eventLines.map((line) => line.trim().split(/\s+/)).map(([revision, , type, statusAfter, actor]) => [revision, type, statusAfter, actor]);
    expect(columns).toEqual([
      ['0', 'OrderInitiated', 'INITIATED', 'customer:cust-cli'],
      ['1', 'ModelUploaded', 'FILE_UPLOADED', 'customer:cust-cli'],
      ['2', 'OrderSubmitted', 'SUBMITTED', 'customer:cust-cli'],
    ]);
    expect(stdout).toMatch(/correlation corr-cli-1/);
    const table = stdout.slice(stdout.indexOf('time in status'));
    expect(table).not.toBe('');
    expect(
      table
        .split('\n')
        .slice(1, 4)
        .map((line) => line.trim().split(/\s+/)[0]),
    ).toEqual(['INITIATED', 'FILE_UPLOADED', 'SUBMITTED']);
    expect(table).toMatch(/SUBMITTED\s+\S+( \S+)? so far/);
  });

  it('request prints what one request changed, and --json the whole trail', async () => {
    // Listed once projected: ask again briefly if it has not been yet.
    let result = await cli('request', 'cli-create-1');
    for (let tries = 0; result.code !== 0 && tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      result = await cli('request', 'cli-create-1');
    }
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('request cli-create-1 appended 1 event to 1 order');
    expect(result.stdout).toMatch(new RegExp(`OrderInitiated\\s+${submittedId}\\s+revision 0`));
    const json = await cli('request', 'cli-create-2', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ requestId: 'cli-create-2', orderIds: [initiatedId], events: [{ type: 'OrderInitiated', revision: 0 }] });

    const unknown = await cli('request', 'no-such-request');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^404 REQUEST_NOT_FOUND: /);
    expect((await cli('request')).stderr).toMatch(/^a request id is required/);
  });

  it('history --json prints the timeline as parseable JSON', async () => {
    const { code, stdout } = await cli('history', submittedId, '--json');
    expect(code).toBe(0);
    const timeline = JSON.parse(stdout) as { orderId: string; status: string; events: Array<{ type: string }>; timeInStatusMs: Record<string, number> };
    expect(timeline).toMatchObject({ orderId: submittedId, status: 'SUBMITTED' });
    expect(timeline.events.map((event) => event.type)).toEqual(['OrderInitiated', 'ModelUploaded', 'OrderSubmitted']);
    expect(Object.keys(timeline.timeInStatusMs)).toEqual(['INITIATED', 'FILE_UPLOADED', 'SUBMITTED']);
  });

  it('diagnose prints the summary naming the cause, and --json the whole diagnosis', async () => {
    const { code, stdout } = await cli('diagnose', submittedId);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^summary: SUBMITTED for \d+ s, \d+ s past its SLA of 1 s; waiting for the pricing engine to price the model; the order was submitted/m);
    expect(stdout).toMatch(/^\s+owner: pricing$/m);
    expect(stdout).toMatch(/^\s+code: PRICING_JOB_MISSING$/m);

    const json = await cli('diagnose', submittedId, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ orderId: submittedId, status: 'SUBMITTED', overdue: true, anomalies: [{ code: 'PRICING_JOB_MISSING' }] });
  });

  it('stuck lists the orders past their SLA, in text and as JSON', async () => {
    type Stuck = { orders: Array<{ orderId: string; status: string; waitingFor: { owner: string } }>; counts: Record<string, number> };
    // The read model follows the stream within milliseconds; ask again briefly if it has not yet.
    let list: Stuck | undefined;
    for (let tries = 0; tries < 20; tries++) {
      const { code, stdout } = await cli('stuck', '--json');
      expect(code).toBe(0);
      list = JSON.parse(stdout) as Stuck;
      if (list.orders.some((order) => order.orderId === initiatedId)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(list!.orders.find((order) => order.orderId === initiatedId)).toMatchObject({ status: 'INITIATED', waitingFor: { owner: 'customer' } });
    expect(list!.orders.find((order) => order.orderId === submittedId)).toMatchObject({ status: 'SUBMITTED', waitingFor: { owner: 'pricing' } });

    const text = await cli('stuck');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`orderId: ${initiatedId}`);
    expect(text.stdout).toContain(`orderId: ${submittedId}`);
  });

  it('exits non-zero with a clear message for an unknown order, an invalid id, a missing id, and a refused token', async () => {
    const unknown = randomUUID();
    const missing = await cli('history', unknown);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim()).toMatch(new RegExp(`^404 ORDER_NOT_FOUND: no order ${unknown} \\(request id [0-9a-f-]{36}\\)$`));

    const invalid = await cli('diagnose', 'not-an-id');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^400 \w+: /);

    const noId = await cli('history');
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(/^an order id is required/);

    const unknownCommand = await cli('frobnicate');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/^unknown command: frobnicate/);

    const forbidden = await runCli(['stuck', '--url', app.baseUrl, '--token', customer]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/^403 /);
  });
});
