import { randomUUID } from 'node:crypto';
import { AppSettings } from '../src/config/app-settings';
import { loadConfig } from '../src/config/config';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import { ALL_MIGRATIONS } from '../src/migrations';
import { PricingQueue } from '../src/modules/pricing/jobs/pricing-queue';
import { createTestDatabase, type TestDatabase } from './support/test-database';

describe('PricingQueue (pg-boss on PostgreSQL)', () => {
  let database: TestDatabase;
  let queue: PricingQueue;

  beforeAll(async () => {
    database = await createTestDatabase('pricing_queue');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    queue = new PricingQueue(new AppSettings(loadConfig({ NODE_ENV: 'test', PRICING_TIMEOUT_S: '2' }), database.url, 'x'.repeat(32), 'y'.repeat(16)));
    await queue.start();
  });
  afterAll(async () => {
    await queue?.stop();
    await database?.drop();
  });

  it('makes one job per submission, however often it is enqueued', async () => {
    const orderId = randomUUID();
    const submissionId = randomUUID();
    const job = { orderId, submissionId, jobId: submissionId, priorAttempts: 0 };
    const results = await Promise.all([queue.enqueue(job), queue.enqueue(job), queue.enqueue({ ...job })]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await queue.enqueue(job)).toBe(false);
    expect((await queue.job(submissionId))?.data).toEqual(job);
    expect(await queue.depth()).toBe(1);

    const another = randomUUID();
    expect(await queue.enqueue({ ...job, submissionId: another, jobId: another })).toBe(true);
    expect(await queue.depth()).toBe(2);
  });

  it('retries 3 attempts in all, with backoff, and expires jobs shortly after the calculation limit', async () => {
    const id = randomUUID();
    await queue.enqueue({ orderId: randomUUID(), submissionId: id, jobId: id, priorAttempts: 0 });
    const job = await queue.job(id);
    expect(job).toMatchObject({ retryLimit: 2, retryBackoff: true, deadLetter: 'pricing_dead' });
    expect(job!.expireInSeconds).toBe(queue.expireInSeconds);
    expect(queue.expireInSeconds).toBeGreaterThan(2);
  });
});
