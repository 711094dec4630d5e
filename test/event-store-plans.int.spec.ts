import { Client } from 'pg';
import { migrateDatabase } from '../src/infrastructure/database/data-source';
import { ALL_MIGRATIONS } from '../src/migrations';
import { ANY_EVENT_AFTER, READ_ALL } from '../src/infrastructure/event-store/postgres/queries';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * Every subscription runs READ_ALL and ANY_EVENT_AFTER after each wake-up,
 * so both must stay primary-key probes at any table size. The generic plan
 * is the one that matters (named statements switch to it after five runs):
 * `EXISTS (... WHERE position > $1)` once got a sequential scan there, which
 * read the whole table on every live poll.
 */
interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe('event store subscription query plans', () => {
  let database: TestDatabase;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase('event_store_plans');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    // 40,000 events, 4,000 per transaction: positions are the transaction id * 4096 + the index in it.
    for (let batch = 0; batch < 10; batch++) {
      await sql.query(
        `INSERT INTO event_store.events (position, stream_id, stream_revision, event_id, event_type, data, metadata)
         SELECT pg_current_xact_id()::text::bigint * 4096 + i, 'plan-' || $1 || '-' || i, 0, gen_random_uuid(), 'Planned', '{}', '{}'
           FROM generate_series(0, 3999) AS i`,
        [batch],
      );
    }
    await sql.query('ANALYZE event_store.events');
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  async function genericPlan(statement: { text: string }, literals: string[]): Promise<PlanNode[]> {
    await sql.query('SET plan_cache_mode = force_generic_plan');
    try {
      await sql.query(`PREPARE probe AS ${statement.text}`);
      const { rows } = await sql.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) EXECUTE probe(${literals.join(', ')})`);
      return nodes(rows[0]!['QUERY PLAN'][0]!.Plan);
    } finally {
      await sql.query('DEALLOCATE ALL');
      await sql.query('RESET plan_cache_mode');
    }
  }

  function expectPrimaryKeyProbe(all: PlanNode[]): void {
    expect(all.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    const reads = all.filter((node) => node['Relation Name'] === 'events');
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) expect({ type: read['Node Type'], index: read['Index Name'] }).toEqual({ type: expect.stringMatching(/^Index (Only )?Scan/), index: 'events_pkey' });
  }

  it('"any event after the head?" is one primary-key probe, not a scan of everything before it', async () => {
    const { rows } = await sql.query<{ head: string }>('SELECT max(position)::text AS head FROM event_store.events');
    expectPrimaryKeyProbe(await genericPlan(ANY_EVENT_AFTER, [`'${rows[0]!.head}'`]));
  });

  it('the bounded read is a primary-key range scan', async () => {
    expectPrimaryKeyProbe(await genericPlan(READ_ALL, ["'-1'", '500']));
  });
});
