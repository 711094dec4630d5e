import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/infrastructure/database/embedded-postgres';

/**
 * Gives every test run one PostgreSQL server: the one in DATABASE_URL (the
 * production path) or an embedded one on a free port (the newcomer's path).
 * Each test file then creates its own database on it (test-database.ts), so
 * files running in parallel never share one.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
    console.log(`\n[tests] PostgreSQL server from DATABASE_URL`);
    return;
  }
  const parent = await mkdtemp(join(tmpdir(), 'alexandrite-test-pg-'));
  // mkdtemp makes it private; as root, PostgreSQL runs as the `postgres` user and must reach it.
  await chmod(parent, 0o755);
  const dataDir = join(parent, 'data');
  const server = await startEmbeddedPostgres({ dataDir, port: 0, persistent: false });
  (globalThis as { __embeddedPostgres?: typeof server; __embeddedPostgresDir?: string }).__embeddedPostgres = server;
  (globalThis as { __embeddedPostgresDir?: string }).__embeddedPostgresDir = parent;
  process.env.TEST_DATABASE_URL = server.url;
  console.log(`\n[tests] embedded PostgreSQL on port ${server.port}`);
}
