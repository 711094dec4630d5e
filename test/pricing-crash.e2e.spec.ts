import { Client } from 'pg';
import { EventStore } from '../src/infrastructure/event-store/event-store.port';
import { submittedOrder } from './support/orders';
import { type AppProcess, buildApp, spawnBuiltApp } from './support/pricing-process';
import { startTestApp, TEST_CARRIER_SECRET, TEST_JWT_SECRET, type TestApp } from './support/test-app';
import { until } from './support/until';

/**
 * A process killed with SIGKILL in the middle of a calculation: after a
 * restart the job runs again and the order is priced exactly once. The
 * in-process app only takes the order (its pricing worker is off); the
 * pricing runs in real child processes of the built app on the same
 * database and blob directory.
 */
describe('pricing survives SIGKILL mid-calculation', () => {
  let app: TestApp;
  let db: Client;
  const children: AppProcess[] = [];

  beforeAll(async () => {
    buildApp();
    app = await startTestApp({ PRICING_WORKER_ENABLED: 'false' });
    db = new Client({ connectionString: app.database.url });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    for (const child of children) {
      if (child.child.exitCode === null && child.child.signalCode === null) {
        child.child.kill('SIGKILL');
        await child.exited;
      }
    }
    await db?.end();
    await app?.close();
  });

  const pricingEnv = () => ({
    DATABASE_URL: app.database.url,
    DATA_DIR: app.dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    CARRIER_WEBHOOK_SECRET: TEST_CARRIER_SECRET,
    // Slow enough to be killed in the middle, well inside the time limit.
    PRICING_TEST_DELAY_MS: '3000',
    PRICING_TIMEOUT_S: '4',
    PRICING_RETRY_DELAY_S: '0',
  });

  const jobState = async (jobId: string): Promise<string | undefined> => {
    const result = await db.query<{ state: string }>('SELECT state::text AS state FROM pgboss.job WHERE id = $1', [jobId]);
    return result.rows[0]?.state;
  };

  it('runs the job again after a restart and reaches PRICE_CALCULATED exactly once', async () => {
    const customer = await app.token('customer', 'cust-k1');
    const id = await submittedOrder(app, customer);
    const store = app.app.get(EventStore);
    const submissionId = ((await store.readStream(`order-${id}`)).at(-1)!.data as { submissionId: string }).submissionId;

    const first = spawnBuiltApp(pricingEnv());
    children.push(first);
    await until(async () => ((await jobState(submissionId)) === 'active' ? true : undefined), 'the first process to start calculating', {
      timeoutMs: 60_000,
      intervalMs: 100,
      diagnostics: first.output,
    });
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await store.readStream(`order-${id}`)).map((event) => event.type)).not.toContain('PriceCalculated');

    const second = spawnBuiltApp(pricingEnv());
    children.push(second);
    const events = await until(
      async () => {
        const stream = await store.readStream(`order-${id}`);
        return stream.some((event) => event.type === 'PriceCalculated') ? stream : undefined;
      },
      'the restarted process to price the order',
      { timeoutMs: 90_000, intervalMs: 100, diagnostics: second.output },
    );
    // Let any duplicate delivery have its chance before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const final = await store.readStream(`order-${id}`);
    expect(final.filter((event) => event.type === 'PriceCalculated')).toHaveLength(1);
    expect(final.filter((event) => event.type === 'OrderSubmitted')).toHaveLength(1);
    const interrupted = events.find((event) => event.type === 'PricingAttemptFailed');
    expect(interrupted?.data).toMatchObject({ attempt: 1, code: 'WORKER_INTERRUPTED', willRetry: true });
    expect(await jobState(submissionId)).toBe('completed');

    const view = await app.request(`/api/shop/orders/${id}`, { token: customer });
    expect(await view.json()).toMatchObject({ status: 'PRICE_CALCULATED', price: { currency: 'EUR' } });
    second.child.kill('SIGTERM');
    await second.exited;
  }, 180_000);
});
