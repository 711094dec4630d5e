import { Pool } from 'pg';
import { createDataSource, migrateDatabase } from '../src/infrastructure/database/data-source';
import { Database } from '../src/infrastructure/database/database';
import { CLEANUP_LOCK, IdempotencyRepository } from '../src/infrastructure/http/idempotency/idempotency.repository';
import { ALL_MIGRATIONS } from '../src/migrations';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/** http_idempotency_keys through its repository: claims, answers, releases and the batched cleanup under its advisory lock. */
describe('IdempotencyRepository in PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: ReturnType<typeof createDataSource>;
  let repository: IdempotencyRepository;
  let sql: Pool;

  beforeAll(async () => {
    database = await createTestDatabase('idempotency_repository');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    dataSource = await createDataSource({ url: database.url, poolSize: 2 }).initialize();
    repository = new IdempotencyRepository(Database.onPrimary(dataSource));
    sql = new Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await sql?.end();
    await dataSource?.destroy();
    await database?.drop();
  });

  it('claims a key once, reports it in flight, answers it when complete, and claims it again after a release', async () => {
    const first = await repository.claim('customer:a', 'k1', 'fp', 30);
    expect(first).toEqual({ kind: 'claimed', seed: expect.any(String) });
    expect(await repository.claim('customer:a', 'k1', 'fp', 30)).toEqual({ kind: 'in_flight', fingerprint: 'fp' });

    await repository.release('customer:a', 'k1');
    // The retry keeps the seed: it derives the same ids as the first attempt.
    expect(await repository.claim('customer:a', 'k1', 'fp', 30)).toEqual(first);

    await repository.complete('customer:a', 'k1', 201, { id: 'x' });
    expect(await repository.claim('customer:a', 'k1', 'fp', 30)).toEqual({ kind: 'completed', fingerprint: 'fp', statusCode: 201, response: { id: 'x' } });
    // Another caller's key of the same name is its own.
    expect(await repository.claim('customer:b', 'k1', 'fp', 30)).toEqual({ kind: 'claimed', seed: expect.any(String) });
  });

  it('deletes the expired keys in batches and counts them; null while another replica holds the cleanup lock', async () => {
    await sql.query(
      `INSERT INTO http_idempotency_keys (scope, key, fingerprint, status_code, response, created_at)
       SELECT 'cleanup', 'old-' || i, 'fp', 200, 'null'::jsonb, now() - interval '3 days' FROM generate_series(1, 25) AS i`,
    );
    await sql.query(`INSERT INTO http_idempotency_keys (scope, key, fingerprint, created_at) VALUES ('cleanup', 'fresh', 'fp', now())`);

    const holder = await sql.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [CLEANUP_LOCK.classId, CLEANUP_LOCK.key]);
      expect(await repository.deleteExpired(24, 10)).toBeNull();
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }

    expect(await repository.deleteExpired(24, 10)).toBe(25);
    const { rows } = await sql.query<{ key: string }>(`SELECT key FROM http_idempotency_keys WHERE scope = 'cleanup'`);
    expect(rows.map((row) => row.key)).toEqual(['fresh']);
  });
});
