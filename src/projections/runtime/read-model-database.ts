import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { primaryPoolOf } from '../../infrastructure/database/database.module';
import type { Lsn } from '../../infrastructure/database/read-replicas/lsn';
import { type NamedStatement, ReadReplicas } from '../../infrastructure/database/read-replicas/read-replicas';

export type { NamedStatement };

/**
 * Read access to the read models for the modules' query repositories: the
 * app's PostgreSQL pool (the one TypeORM opened), with named statements, and
 * no ORM layer on the hot path of the dashboard.
 */
@Injectable()
export class ReadModelDatabase {
  private readonly pool: Pool;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(ReadReplicas) private readonly replicas: ReadReplicas,
  ) {
    this.pool = primaryPoolOf(dataSource);
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

  /** A read on the primary: for what must see the latest commit (the SSE feed, comparisons with the stream). */
  async query<R extends QueryResultRow>(statement: NamedStatement, values: unknown[]): Promise<R[]> {
    const result = await this.pool.query<R>({ name: statement.name, text: statement.text, values });
    return result.rows;
  }

  /** `work` inside one transaction on one pooled connection (support's repair of a parked event). */
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
