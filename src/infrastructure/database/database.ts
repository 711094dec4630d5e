import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import type { Lsn } from './read-replicas/lsn';
import { type NamedStatement, ReadReplicas } from './read-replicas/read-replicas';
import { primaryPoolOf } from './primary-pool';

export type { NamedStatement };

const PING = { name: 'database_ping', text: 'SELECT 1' };

/**
 * The app's one way to run SQL (issue 20 item 4): a named statement
 * (`{ name, text }`, the name unique across the app) from a repository or a
 * `*.queries.ts` file of the module that owns the table, run here on the pg
 * pool that TypeORM opened. No `dataSource.query(...)` strings and no ORM
 * layer: PostgreSQL plans each statement once per connection, and a
 * reviewer finds every query of a table in its owner's files (plan tests
 * EXPLAIN the hot ones). TypeORM only runs the migrations. The event store
 * adapter (infrastructure/event-store/postgres) and migrations keep their
 * own SQL: they are the store. test/sql-placement.unit.spec.ts keeps this true.
 */
@Injectable()
export class Database {
  private readonly pool: Pool;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(ReadReplicas) private readonly replicas: ReadReplicas,
  ) {
    this.pool = primaryPoolOf(dataSource);
  }

  /** For CLIs and tests that hold a DataSource and no read replicas: every statement runs on its pool. */
  static onPrimary(dataSource: DataSource): Database {
    return new Database(dataSource, new ReadReplicas(primaryPoolOf(dataSource), { urls: [], maxLagMs: 0, poolSize: 0, statementTimeoutMs: 0 }));
  }

  /** Readiness: the primary answers. */
  async ping(): Promise<void> {
    await this.query(PING);
  }

  /** A statement on the primary: writes, and reads that must see the latest commit. */
  async query<R extends QueryResultRow>(statement: NamedStatement, values: unknown[] = []): Promise<R[]> {
    return (await this.execute<R>(statement, values)).rows;
  }

  /** As query, with the number of rows the statement touched (an UPDATE's or DELETE's count). */
  async execute<R extends QueryResultRow>(statement: NamedStatement, values: unknown[] = []): Promise<{ rows: R[]; rowCount: number }> {
    const result = await this.pool.query<R>({ name: statement.name, text: statement.text, values });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  /**
   * A read that a replica may answer (DATABASE_READ_URL): lists, pages, scans. With `mustHaveReplayed`
   * (from positionNow() after a change), only a replica that has replayed that change.
   */
  read<R extends QueryResultRow>(statement: NamedStatement, values: unknown[], mustHaveReplayed?: Lsn): Promise<R[]> {
    return this.replicas.query<R>(statement, values, mustHaveReplayed);
  }

  /** The primary's WAL position now (see ReadReplicas.primaryPositionNow); undefined without replicas. */
  async positionNow(): Promise<Lsn | undefined> {
    return this.replicas.configured ? this.replicas.primaryPositionNow() : undefined;
  }

  /** `work` inside one transaction on one pooled connection; it runs named statements on `client` (`{ ...STATEMENT, values }`). */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
