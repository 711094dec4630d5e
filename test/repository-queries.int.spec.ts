import { Client } from 'pg';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import { DELETE_EXPIRED_IDEMPOTENCY_KEYS, FIND_IDEMPOTENCY_KEY } from '../src/infrastructure/http/idempotency/idempotency.repository';
import { ALL_MIGRATIONS } from '../src/migrations';
import { FIND_API_KEY_BY_PREFIX } from '../src/modules/partner/api-keys/api-keys.repository';
import { PARTNER_ORDERS_PAGE } from '../src/modules/partner/orders/partner-orders-list.queries';
import { LIST_OPEN_DEAD_LETTERS, OPEN_DEAD_LETTER_OF_SUBMISSION } from '../src/modules/pricing/dead-letters/dead-letters.repository';
import { OLDEST_ORDER_PER_STATUS } from '../src/projections/read-models/orders-current/order-metrics.queries';
import { ORDER_STATUSES } from '../src/shared/order-lifecycle';
import { planOf, readsOf } from './support/query-plans';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * The hot lookups of the repositories that moved to named statements (issue 20 item 4) read their
 * tables through an index, never a sequential scan, custom and generic plan alike: an idempotency key
 * on every POST, a partner's API key on every partner request, the pricing queue's dead letters for
 * support's diagnosis, and the orders read model at every metrics scrape. The rows are written
 * directly: this checks plans, not the repositories.
 */
describe('repository query plans', () => {
  let database: TestDatabase;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase('repository_plans');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query(
      `INSERT INTO http_idempotency_keys (scope, key, fingerprint, status_code, response, created_at)
       SELECT 'customer:' || (i % 2000), 'key-' || i, md5(i::text), 201, '{}'::jsonb, now() - make_interval(mins => i % 600) FROM generate_series(1, 50000) AS i`,
    );
    await sql.query(
      `INSERT INTO partner_api_keys (id, partner_id, name, prefix, key_hash, rps, burst)
       SELECT gen_random_uuid(), gen_random_uuid(), 'partner ' || i, 'pk_' || i, sha256(i::text::bytea), 20, 40 FROM generate_series(1, 20000) AS i`,
    );
    await sql.query(
      `INSERT INTO pricing_dead_letters (job_id, order_id, submission_id, code, reason, attempts, failed_at, retry_requested_at, retry_requested_by)
       SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'PRICING_FAILED', 'boom', 5, now() - make_interval(mins => i),
              CASE WHEN i % 50 = 0 THEN NULL ELSE now() END, CASE WHEN i % 50 = 0 THEN NULL ELSE 'support' END
         FROM generate_series(1, 20000) AS i`,
    );
    await sql.query(
      `INSERT INTO orders_current (order_id, status, status_changed_at, created_at, material, channel, customer_ref, revision, last_position, updated_at)
       SELECT gen_random_uuid(), ($1::text[])[1 + i % array_length($1::text[], 1)], now() - make_interval(secs => i), now() - make_interval(secs => i * 2),
              'GOLD_750', 'shop', 'cust-' || (i % 5000), 3, i, now()
         FROM generate_series(1, 60000) AS i`,
      [ORDER_STATUSES],
    );
    // Partner orders: 200 partners, 100 orders each.
    await sql.query(
      `INSERT INTO orders_current (order_id, status, status_changed_at, created_at, material, channel, customer_ref, partner_id, revision, last_position, updated_at)
       SELECT gen_random_uuid(), ($1::text[])[1 + i % array_length($1::text[], 1)], now(), now(), 'GOLD_750', 'partner', 'partner-' || (i % 200), 'partner-' || (i % 200),
              3, 100000 + i, now() - make_interval(secs => i)
         FROM generate_series(1, 20000) AS i`,
      [ORDER_STATUSES],
    );
    for (const table of ['http_idempotency_keys', 'partner_api_keys', 'pricing_dead_letters', 'orders_current']) await sql.query(`ANALYZE ${table}`);
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  it.each([false, true])('idempotency key lookup: the primary key (generic plan: %s)', async (generic) => {
    expect(readsOf(await planOf(sql, FIND_IDEMPOTENCY_KEY, ['customer:17', 'key-17'], generic), 'http_idempotency_keys')).toEqual([
      { type: expect.stringMatching(/^Index (Only )?Scan$/), index: 'http_idempotency_keys_pkey' },
    ]);
  });

  it('idempotency cleanup: the expired keys through the created_at index, no sequential scan', async () => {
    const plan = await planOf(sql, DELETE_EXPIRED_IDEMPOTENCY_KEYS, [24, 5000]);
    expect(plan.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(readsOf(plan, 'http_idempotency_keys').map((read) => read.index)).toContain('http_idempotency_keys_created_at');
  });

  it.each([false, true])("partner API key lookup: the prefix's unique index (generic plan: %s)", async (generic) => {
    expect(readsOf(await planOf(sql, FIND_API_KEY_BY_PREFIX, ['pk_123'], generic), 'partner_api_keys')).toEqual([
      { type: expect.stringMatching(/^Index (Only )?Scan$/), index: 'partner_api_keys_prefix_key' },
    ]);
  });

  it("pricing dead letters: a submission's open letter by the order index, the open list by the partial index", async () => {
    const [{ order_id: orderId, submission_id: submissionId }] = (
      await sql.query<{ order_id: string; submission_id: string }>('SELECT order_id, submission_id FROM pricing_dead_letters LIMIT 1')
    ).rows as [{ order_id: string; submission_id: string }];
    const letter = await planOf(sql, OPEN_DEAD_LETTER_OF_SUBMISSION, [orderId, submissionId]);
    expect(letter.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(letter.map((node) => node['Index Name']).filter(Boolean)).toEqual(['pricing_dead_letters_order']);
    const list = await planOf(sql, LIST_OPEN_DEAD_LETTERS, [50]);
    expect(list.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(readsOf(list, 'pricing_dead_letters')).toEqual([{ type: 'Index Scan', index: 'pricing_dead_letters_open' }]);
  });

  it('metrics scrape: the oldest order per status is one index lookup per status', async () => {
    const plan = await planOf(sql, OLDEST_ORDER_PER_STATUS, [['SUBMITTED', 'PRICE_CALCULATED', 'PACKAGING']]);
    expect(plan.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(new Set(readsOf(plan, 'orders_current').map((read) => read.index))).toEqual(new Set(['orders_current_dashboard_idx']));
  });

  it.each([false, true])("partner order list: one partner's range of orders_current_partner_idx, no sort (generic plan: %s)", async (generic) => {
    const plan = await planOf(sql, PARTNER_ORDERS_PAGE, ['partner-17', [...ORDER_STATUSES], '-infinity', '00000000-0000-0000-0000-000000000000', 51], generic);
    expect(readsOf(plan, 'orders_current')).toEqual([{ type: expect.stringMatching(/^Index (Only )?Scan$/), index: 'orders_current_partner_idx' }]);
    expect(plan.filter((node) => node['Node Type'] === 'Sort')).toEqual([]);
  });
});
