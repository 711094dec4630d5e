import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** The pg pool under TypeORM's DataSource: for code that wants named statements without the ORM layer. */
export function primaryPoolOf(dataSource: DataSource): Pool {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new Error('needs an initialized PostgreSQL DataSource');
  return pool;
}
