import { Client } from 'pg';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import { ALL_MIGRATIONS } from '../src/migrations';
import { CRM_ORDERS_PAGE } from '../src/modules/crm/orders-list/crm-orders-list.queries';
import { CHANGES_SINCE, DASHBOARD_PAGE } from '../src/modules/mes/dashboard/dashboard.queries';
import { SHOP_MY_ORDERS_PAGE } from '../src/modules/shop/orders-list/shop-orders-list.queries';
import { OVERDUE_COUNTS, OVERDUE_ORDERS } from '../src/modules/support/stuck/stuck-orders.repository';
import { EVENTS_OF_REQUEST } from '../src/projections/read-models';
import { ORDER_STATUSES } from '../src/shared/order-lifecycle';
import { type PlanNode, planOf } from './support/query-plans';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * The hot list queries read orders_current through its indexes: an index
 * range scan per status (or per customer) in keyset order, no sequential
 * scan, and no sort of the table's rows (only the final merge of at most
 * statuses x page-size rows). The rows are written directly here: this
 * checks plans, not the projector.
 */
/** A node that reads orders_current's rows, however it does it. */
const readsOrders = (node: PlanNode) => node['Relation Name'] === 'orders_current';

describe('orders_current query plans', () => {
  let database: TestDatabase;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase('projections_plans');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query(
      `INSERT INTO orders_current (order_id, status, status_changed_at, created_at, material, channel, customer_ref, revision, last_position, updated_at)
       SELECT gen_random_uuid(), ($1::text[])[1 + i % array_length($1::text[], 1)], now() - make_interval(secs => i), now() - make_interval(secs => i * 2),
              'GOLD_750', 'shop', 'cust-' || (i % 5000), 3, i, now()
         FROM generate_series(1, 60000) AS i`,
      [ORDER_STATUSES],
    );
    // One big account: where keyset paging matters (a customer with a dozen orders is served by any plan).
    await sql.query(
      `INSERT INTO orders_current (order_id, status, status_changed_at, created_at, material, channel, customer_ref, revision, last_position, updated_at)
       SELECT gen_random_uuid(), 'SHIPPED', now() - make_interval(secs => i), now() - make_interval(secs => i), 'SILVER_925', 'shop', 'cust-big', 8, 100000 + i, now()
         FROM generate_series(1, 5000) AS i`,
    );
    await sql.query('ANALYZE orders_current');
    // Support's request lookup: 100,000 events of 25,000 requests.
    await sql.query(
      `INSERT INTO request_events (request_id, position, stream_id, revision, type, order_id, occurred_at)
       SELECT 'req-' || (i / 4), i, 'order-' || u, i % 4, 'ModelUploaded', u, now()
         FROM generate_series(1, 100000) AS i, LATERAL (SELECT gen_random_uuid() AS u) AS g`,
    );
    await sql.query('ANALYZE request_events');
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  const plan = (statement: { text: string }, values: Array<string | number | null | string[]>, generic = false): Promise<PlanNode[]> => planOf(sql, statement, values, generic);

  function expectIndexOnly(all: PlanNode[], index: string): void {
    const scans = all.filter(readsOrders);
    expect(scans.length).toBeGreaterThan(0);
    for (const scan of scans) expect({ type: scan['Node Type'], index: scan['Index Name'] }).toEqual({ type: expect.stringMatching(/^Index (Only )?Scan/), index });
    expect(all.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    // A Sort may only merge the per-status pages; it never sits right above a read of the table.
    for (const sort of all.filter((node) => node['Node Type'] === 'Sort')) expect((sort.Plans ?? []).some(readsOrders)).toBe(false);
  }

  it('MES dashboard page: an index range scan per status, oldest waiting first, first page and after a cursor', async () => {
    const first = await plan(DASHBOARD_PAGE, [['SUBMITTED', 'MANUFACTURING_APPROVED'], '-infinity', '00000000-0000-0000-0000-000000000000', 51, null, null]);
    expectIndexOnly(first, 'orders_current_dashboard_idx');
    const { rows } = await sql.query<{ at: string }>(`SELECT to_char((now() - interval '30000 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`);
    const later = await plan(DASHBOARD_PAGE, [[...ORDER_STATUSES], rows[0]!.at, '7f000000-0000-0000-0000-000000000000', 51, null, null]);
    expectIndexOnly(later, 'orders_current_dashboard_idx');
    // A search filters rows; the planner may pick another index for it, but never reads the whole table.
    const searched = await plan(DASHBOARD_PAGE, [[...ORDER_STATUSES], '-infinity', '00000000-0000-0000-0000-000000000000', 51, 'gold%', 'gold']);
    expect(searched.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    // One status: no sort at all.
    const single = await plan(DASHBOARD_PAGE, [['PACKAGING'], '-infinity', '00000000-0000-0000-0000-000000000000', 51, null, null]);
    expectIndexOnly(single, 'orders_current_dashboard_idx');
  });

  it('MES dashboard page: the generic plan (named statements switch to it after five runs) is the same index walk', async () => {
    const generic = await plan(DASHBOARD_PAGE, [['SUBMITTED', 'MANUFACTURING_APPROVED'], '-infinity', '00000000-0000-0000-0000-000000000000', 51, null, null], true);
    expectIndexOnly(generic, 'orders_current_dashboard_idx');
  });

  it('CRM list: an index range scan per status, newest first', async () => {
    expectIndexOnly(await plan(CRM_ORDERS_PAGE, [['CANCELLED', 'SHIPPED'], 'infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 51]), 'orders_current_crm_idx');
  });

  it('shop list: one customer’s orders through the customer index, no sort', async () => {
    const all = await plan(SHOP_MY_ORDERS_PAGE, ['cust-big', 'infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 21]);
    expectIndexOnly(all, 'orders_current_customer_idx');
    expect(all.filter((node) => node['Node Type'] === 'Sort')).toEqual([]);
  });

  it('support stuck scan: an index range per status on (status, status_changed_at), oldest first; the counts too', async () => {
    const now = new Date().toISOString();
    const statuses = ['SUBMITTED', 'PRICE_CALCULATED', 'MANUFACTURING_APPROVED'];
    const slas = ['3600000', '86400000', '600000'];
    expectIndexOnly(await plan(OVERDUE_ORDERS, [statuses, slas, now, 50]), 'orders_current_dashboard_idx');
    // A count may use a bitmap over the same index range; it still never reads the whole table.
    const counts = await plan(OVERDUE_COUNTS, [statuses, slas, now]);
    expect(counts.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    expect(new Set(counts.filter((node) => node['Index Name'] !== undefined).map((node) => node['Index Name']))).toEqual(new Set(['orders_current_dashboard_idx']));
  });

  it('SSE replay: changes after a position through the position index', async () => {
    expectIndexOnly(await plan(CHANGES_SINCE, ['59000', 500]), 'orders_current_position_idx');
  });

  it("support request lookup: a range of request_events' primary key, not a scan of the events", async () => {
    const all = await plan(EVENTS_OF_REQUEST, ['req-12345', 1000]);
    const reads = all.filter((node) => node['Relation Name'] === 'request_events');
    expect(reads.map((node) => [node['Node Type'], node['Index Name']])).toEqual([[expect.stringMatching(/^Index (Only )?Scan/), 'request_events_pkey']]);
    expect(all.filter((node) => node['Node Type'] === 'Seq Scan' || node['Node Type'] === 'Sort')).toEqual([]);
  });
});
