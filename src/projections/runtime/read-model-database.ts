import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

export interface NamedStatement {
  /** Unique per text: PostgreSQL parses and plans it once per connection. */
  name: string;
  text: string;
}

/**
 * Read access to the read models for the modules' query repositories: the
 * app's PostgreSQL pool (the one TypeORM opened), with named statements, and
 * no ORM layer on the hot path of the dashboard.
 */
@Injectable()
export class ReadModelDatabase {
  private readonly pool: Pool;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    const pool = (dataSource.driver as unknown as { master?: Pool }).master;
    if (!pool) throw new Error('ReadModelDatabase needs an initialized PostgreSQL DataSource');
    this.pool = pool;
  }

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
